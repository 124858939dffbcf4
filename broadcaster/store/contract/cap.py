"""The store's part of CAP 1.2 in (issue 15): the alerts received, what each became, and each
feed's polling state (conditional GET validators, backoff) kept across restarts."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from ..records import AuditRecord


@dataclass(frozen=True, kw_only=True)
class NewCapAlert:
    sender: str
    identifier: str
    sent: str
    msg_type: str
    status: str
    feed: str
    received_at: float
    outcome: str
    xml_sha256: str
    xml: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CapAlertRecord(NewCapAlert):
    id: int
    #: when its draft was written (or changed / cancelled); None while nothing was drafted
    drafted_at: float | None
    announcement_id: int | None


@dataclass(frozen=True, kw_only=True)
class CapFeedState:
    name: str
    etag: str | None = None
    last_modified: str | None = None
    #: consecutive failed polls (0 after a success); the backoff grows with it
    failures: int = 0
    #: epoch seconds of the next poll
    next_poll: float = 0.0
    last_error: str | None = None
    last_ok: float | None = None
    last_checked: float | None = None


class CapStore(ABC):
    # -- alerts ----------------------------------------------------------------------------
    @abstractmethod
    async def add_cap_alert(self, alert: NewCapAlert, audit: AuditRecord) -> CapAlertRecord:
        """Record a newly received alert (with ``audit``); Conflict when (sender,
        identifier) was received before: the same alert again adds nothing."""

    @abstractmethod
    async def link_cap_alert(
        self,
        alert_id: int,
        announcement_id: int | None,
        outcome: str,
        notes: Sequence[str],
        drafted_at: float | None,
    ) -> CapAlertRecord:
        """Say what the alert became: its announcement, the outcome, the notes for the
        verifier and when the draft was written. NotFound for an unknown id."""

    @abstractmethod
    async def find_cap_alert(self, sender: str, identifier: str) -> CapAlertRecord | None:
        """The alert received under (sender, identifier), if any."""

    @abstractmethod
    async def cap_alert_for_announcement(self, announcement_id: int) -> CapAlertRecord | None:
        """The alert that drafted the announcement (the first one linked to it): its
        ``received_at`` → ``drafted_at`` is the system's time from warning to draft."""

    @abstractmethod
    async def cap_alerts_for_announcement(self, announcement_id: int) -> list[CapAlertRecord]:
        """Every alert linked to the announcement (Alert, then Updates, Cancel), oldest
        first."""

    @abstractmethod
    async def list_cap_alerts(self, limit: int = 50) -> list[CapAlertRecord]:
        """The latest alerts received, newest first."""

    # -- feeds -----------------------------------------------------------------------------
    @abstractmethod
    async def cap_feed_state(self, name: str) -> CapFeedState:
        """The feed's state (a fresh one, due now, for a feed never polled)."""

    @abstractmethod
    async def save_cap_feed_state(self, state: CapFeedState) -> None:
        """Replace the feed's state."""

    @abstractmethod
    async def cap_items_seen(self, feed: str, urls: Sequence[str]) -> set[str]:
        """Which of ``urls`` (CAP files of the feed's index) were fetched before."""

    @abstractmethod
    async def mark_cap_items_seen(self, feed: str, urls: Sequence[str], at: float) -> None:
        """Remember ``urls`` as fetched (idempotent)."""
