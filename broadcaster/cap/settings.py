"""``[cap]`` and ``[[cap.feeds]]`` in config.toml: the CAP 1.2 feeds polled for official
warnings (docs/emergency.md)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .model import MSG_TYPES, SCOPES, SEVERITIES, STATUSES

#: severity ranks for ``min_severity`` (Unknown ranks lowest)
SEVERITY_RANK = {"Unknown": 0, "Minor": 1, "Moderate": 2, "Severe": 3, "Extreme": 4}
#: an ``allowed_hosts`` entry: a host name or IPv4 address, optionally ``:port``; no scheme,
#: user, path or wildcard
_HOST = re.compile(
    r"^(?=.{1,253}(?::|$))[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::[0-9]{1,5})?$"
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _all_in(values: list[str], allowed: tuple[str, ...], what: str) -> list[str]:
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ValueError(f"unknown {what} {bad}; CAP 1.2 has {list(allowed)}")
    return values


class CapPolicy(_Section):
    """Which alerts of a feed become drafts. An alert outside the policy is recorded (so it is
    not fetched again) as ``ignored`` with the reason; Update and Cancel of an alert that was
    drafted always apply, whatever their severity."""

    #: CAP ``status`` values drafted (Exercise/Test alerts are drills: not by default)
    statuses: list[str] = Field(default_factory=lambda: ["Actual"])
    #: CAP ``msgType`` values acted on (Ack and Error never draft anything)
    msg_types: list[str] = Field(default_factory=lambda: ["Alert", "Update", "Cancel"])
    #: CAP ``scope`` values drafted (Restricted/Private alerts are not for the public)
    scopes: list[str] = Field(default_factory=lambda: ["Public"])
    #: the least severity (of the Indonesian info block) drafted: Minor < Moderate < Severe
    #: < Extreme; "Unknown" drafts everything
    min_severity: str = "Moderate"

    @field_validator("statuses")
    @classmethod
    def _statuses(cls, v: list[str]) -> list[str]:
        return _all_in(v, STATUSES, "status")

    @field_validator("msg_types")
    @classmethod
    def _msg_types(cls, v: list[str]) -> list[str]:
        return _all_in(v, MSG_TYPES, "msgType")

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, v: list[str]) -> list[str]:
        return _all_in(v, SCOPES, "scope")

    @field_validator("min_severity")
    @classmethod
    def _severity(cls, v: str) -> str:
        return _all_in([v], SEVERITIES, "severity")[0]


class CapFeedConfig(_Section):
    #: names the feed in drafts' author (``system:cap:<name>``), the store and logs
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    #: an Atom/RSS index of CAP files, or one CAP file
    url: str = Field(pattern=r"^https?://")
    enabled: bool = True
    #: seconds between polls (BMKG allows 60 requests a minute per address; one index poll
    #: fetches the index and each new CAP file)
    poll_seconds: float = Field(60.0, ge=5)
    #: request timeout in seconds
    timeout: float = Field(20.0, gt=0)
    #: region codes targeted when no area of an alert resolves to a region
    default_target: list[str] = Field(default_factory=list)
    #: hosts besides the feed's own (scheme, host, port) whose CAP files the index may link to
    #: (``"host"``: its default port; ``"host:port"``: that port only); any other link is
    #: refused unfetched (docs/emergency.md, Security)
    allowed_hosts: list[str] = Field(default_factory=list)
    policy: CapPolicy = CapPolicy()

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, v: list[str]) -> list[str]:
        hosts = [h.strip().lower() for h in v]
        bad = [h for h in hosts if not _HOST.match(h) or int(h.partition(":")[2] or 1) > 65535]
        if bad:
            raise ValueError(f"host names only (optionally host:port; no scheme or path): {bad}")
        return hosts


class CapConfig(_Section):
    feeds: list[CapFeedConfig] = Field(default_factory=list)
    #: CAP out: <sender> of our alerts (no spaces, commas, < or &); empty: "broadcaster@" and
    #: the host of service.public_url
    sender: str = Field("", pattern=r"^[^\s,<&]*$")
    #: CAP out: <senderName>, the authority that verified and issues the messages
    sender_name: str = "Dinas Komunikasi dan Informatika Provinsi Banten"
    #: CAP out: how many of the latest approved announcements /cap/feed.atom lists
    feed_entries: int = Field(50, ge=1, le=500)
    #: the longest wait after failed polls (the wait doubles from poll_seconds up to this)
    backoff_max: float = Field(900.0, gt=0)
    #: the most new CAP files fetched from one index per poll (the rest next poll)
    max_items_per_poll: int = Field(50, ge=1)

    @field_validator("feeds")
    @classmethod
    def _unique(cls, feeds: list[CapFeedConfig]) -> list[CapFeedConfig]:
        names = [f.name for f in feeds]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"feed names must be unique; repeated: {dupes}")
        return feeds
