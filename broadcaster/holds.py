"""Why deliveries wait or failed, as an operator reads it (issue 10): the holds of a dispatch
with their reason and end ("ditahan sampai 05.30 (jam tenang) / held until 05:30 (quiet
hours)") and the count of every reason, for ``dispatches status``, ``dispatches failures``,
``announcements schedule``, the API and the dashboard.

Holds the sender met are stored with the delivery (:mod:`.store.contract.holds`). The service's
own quiet hours are not: they follow from the config and the clock, so every queued delivery of
a normal or urgent dispatch is held by them while they last, and a config change shows at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from content.i18n import t
from content.levels import Priority
from schedules.quiet import QuietHours
from schedules.spec import load_zone

from .store.contract import Store
from .store.contract.holds import QUIET_HOURS
from .store.records import Dispatch, DispatchStatus


@dataclass(frozen=True)
class Hold:
    reason: str  # one of store.contract.holds.HOLD_REASONS
    count: int
    until: datetime | None  # aware; None: until an operator acts


@dataclass(frozen=True)
class Reasons:
    """The holds of a dispatch and its reasons: reason → count over held and failed ones."""

    holds: list[Hold] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def held(self) -> int:
        return sum(h.count for h in self.holds)


def quiet_until(quiet: QuietHours, priority: Priority, at: datetime) -> datetime | None:
    """When the service's quiet hours let a dispatch of ``priority`` planned at ``at`` go
    (None: they do not hold it; emergencies are never held)."""
    if priority.rank >= Priority.emergency.rank or not quiet.enabled or not quiet.is_quiet(at):
        return None
    return quiet.ends_at(at)


async def dispatch_reasons(
    store: Store, dispatch: Dispatch, queued: int, quiet: QuietHours, now: datetime
) -> Reasons:
    """The holds and reasons of ``dispatch``, which has ``queued`` deliveries waiting."""
    zone = load_zone(quiet.timezone)
    holds: dict[str, Hold] = {}
    reasons: dict[str, int] = {}
    for c in await store.delivery_reasons(dispatch.id):
        reasons[c.reason] = reasons.get(c.reason, 0) + c.count
        if c.state == "held":
            until = None if c.until is None else datetime.fromtimestamp(c.until, zone)
            holds[c.reason] = Hold(c.reason, c.count, until)
    stored = sum(h.count for h in holds.values())
    end = quiet_until(quiet, dispatch.priority, now)
    open_ = dispatch.status in (DispatchStatus.planning, DispatchStatus.sending)
    waiting = queued - stored
    if end is not None and open_ and (waiting > 0 or dispatch.status is DispatchStatus.planning):
        earlier = holds.get(QUIET_HOURS)
        count = waiting + (earlier.count if earlier else 0)
        if earlier is not None and earlier.until is not None:
            end = max(end, earlier.until)
        holds[QUIET_HOURS] = Hold(QUIET_HOURS, count, end.astimezone(zone))
        reasons[QUIET_HOURS] = count
    ordered = sorted(holds.values(), key=lambda h: (-h.count, h.reason))
    return Reasons(ordered, dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))))


def hold_text(hold: Hold, now: datetime, lang: str | None = None) -> str:
    """``ditahan sampai 05.30 (jam tenang) / held until 05:30 (quiet hours)``: Indonesian first,
    then English (``lang`` gives one language only)."""
    if lang is not None:
        return _one(hold, now, lang)
    return f"{_one(hold, now, 'id')} / {_one(hold, now, 'en')}"


def _one(hold: Hold, now: datetime, lang: str) -> str:
    reason = t(f"hold.{hold.reason}", lang)
    if hold.until is None:
        return t("hold.open", lang, reason=reason)
    until = hold.until
    clock = f"{until:%H.%M}" if lang == "id" else f"{until:%H:%M}"
    if until - now.astimezone(until.tzinfo) >= timedelta(hours=24):
        clock = f"{until:%Y-%m-%d} {clock}"
    return t("hold.until", lang, until=clock, reason=reason)


def holds_json(reasons: Reasons, now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "reason": h.reason,
            "count": h.count,
            "until": None if h.until is None else h.until.isoformat(),
            "text": hold_text(h, now),
        }
        for h in reasons.holds
    ]
