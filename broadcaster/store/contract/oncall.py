"""The store's part of the on-call lane (issue 15): the rota of on-call verifiers, the log of
alerts sent about emergencies and CAP drafts, and the reads behind the per-emergency timings."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from ..records import AuditRecord

#: an announcement by this author prefix is a draft made from an official CAP warning
CAP_AUTHOR_PREFIX = "system:cap:"


@dataclass(frozen=True, kw_only=True)
class NewOncall:
    """One rota entry to add: ``username`` is told on ``channel`` at ``address`` on ``days``
    (``mon``..``sun``) between ``start_minute`` and ``end_minute`` (minutes after local
    midnight; an end at or before the start runs past midnight into the next day)."""

    username: str
    channel: str
    address: str
    days: tuple[str, ...]
    start_minute: int
    end_minute: int
    position: int | None = None  # rota order; None: after every existing entry


@dataclass(frozen=True, kw_only=True)
class OncallEntry:
    id: int
    username: str
    channel: str
    address: str
    days: tuple[str, ...]
    start_minute: int
    end_minute: int
    position: int
    created_by: str
    created_at: float


@dataclass(frozen=True, kw_only=True)
class NewAlert:
    """One person to tell about one announcement (the notice text goes out through
    ``account``'s notices, in the same transaction as the log row)."""

    username: str
    channel: str
    account: str
    address: str
    level: int
    reason: str  # "on_duty", "next_on_call", "admin"
    text: str


@dataclass(frozen=True, kw_only=True)
class AlertRecord:
    id: int
    announcement_id: int
    username: str
    channel: str
    account: str
    address: str
    level: int
    reason: str
    at: float
    notice_id: int | None
    acknowledged_at: float | None
    outcome: str | None  # None while open; else the announcement's status that closed it
    closed_at: float | None
    #: the notice's fate: sent (Unix time) or failed (the provider's words); both None while
    #: it waits in the account's queue
    notice_sent_at: float | None = None
    notice_error: str | None = None

    @property
    def failed(self) -> bool:
        """The message could not be delivered (the person was not told)."""
        return self.notice_error is not None


@dataclass(frozen=True, kw_only=True)
class ReachTimes:
    """From the deliveries of every dispatch of one announcement."""

    groups: int  # deliveries planned so far
    reached: int  # deliveries sent
    first_at: float | None  # when the first was sent
    p95_at: float | None  # when 95 % of ``groups`` had been sent (None until then)


class OncallStore(ABC):
    # -- the rota ------------------------------------------------------------------------
    @abstractmethod
    async def add_oncall(self, entry: NewOncall, audit: AuditRecord) -> OncallEntry:
        """Add a rota entry (Conflict when the same one exists), audited in the same
        transaction (the audit record's object id is filled in); ``created_by`` is the audit
        record's actor."""

    @abstractmethod
    async def list_oncall(self, username: str | None = None) -> list[OncallEntry]:
        """Rota entries (of one user, or all) in rota order."""

    @abstractmethod
    async def remove_oncall(self, entry_id: int, audit: AuditRecord) -> OncallEntry:
        """Remove one entry (NotFound when missing), audited; returns what was removed."""

    # -- alerts --------------------------------------------------------------------------
    @abstractmethod
    async def alert_candidates(self) -> list[int]:
        """Ids of announcements waiting for a verifier that may need alerts: submitted ones and
        CAP drafts (author :data:`CAP_AUTHOR_PREFIX`…) in draft or submitted state, oldest
        first. The caller decides by content (priority, target) whom to tell."""

    @abstractmethod
    async def open_alerted(self) -> list[tuple[int, str]]:
        """(announcement id, status) of every announcement with alerts not yet closed."""

    @abstractmethod
    async def wake_alerts(self) -> None:
        """Tell the process that alerts (another one, on PostgreSQL: ``NOTIFY``) that an
        announcement may need alerts now; SQLite has one process and does nothing."""

    @abstractmethod
    async def alerts_for(self, announcement_id: int) -> list[AlertRecord]:
        """The alert log of one announcement, oldest first."""

    @abstractmethod
    async def record_alerts(
        self,
        announcement_id: int,
        alerts: Sequence[NewAlert],
        audit: AuditRecord,
        at: float | None = None,
    ) -> list[AlertRecord]:
        """In ONE transaction: log each alert not logged before for this announcement (one per
        person and address) at ``at`` (default now), queue its notice on its account, and
        append ``audit`` when any was new. Returns the new rows (an alert already logged is
        skipped, so repeating a call after a crash or on another process repeats no message)."""

    @abstractmethod
    async def close_alerts(self, announcement_id: int, outcome: str, audit: AuditRecord) -> int:
        """Mark the open alerts of an announcement closed with ``outcome`` (its status now),
        audited; returns how many were closed (0: nothing written)."""

    @abstractmethod
    async def acknowledge_alerts(
        self, announcement_id: int, username: str, audit: AuditRecord
    ) -> int:
        """The person opened the approve page: their unacknowledged alerts about it are
        acknowledged now, audited when any were; returns how many."""

    # -- timings -------------------------------------------------------------------------
    @abstractmethod
    async def workflow_times(self, announcement_id: int) -> dict[str, float]:
        """When the announcement was first submitted and last approved (audit times), as
        ``{"submitted": t, "approved": t}`` with the keys that happened."""

    @abstractmethod
    async def reach_times(self, announcement_id: int) -> ReachTimes:
        """Counts and times of its deliveries (see :class:`ReachTimes`)."""
