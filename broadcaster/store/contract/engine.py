"""Store contract, engine role: what the sending engine needs — dispatches, their planning,
and the delivery queue it claims from and records outcomes to."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from content.levels import Priority

from ..records import (
    AuditRecord,
    ClaimedDelivery,
    Dispatch,
    DispatchStatus,
    Outcome,
    Progress,
)


class EngineStore(ABC):
    """Dispatches, planning and deliveries."""

    # -- dispatches ------------------------------------------------------------------------
    @abstractmethod
    async def create_dispatch(
        self,
        announcement_id: int,
        schedule_id: int | None,
        fire_key: str,
        priority: Priority,
        content_hash: str,
        target: dict[str, Any],
        created_by: str,
        audit: AuditRecord,
    ) -> Dispatch | None:
        """A new dispatch in ``planning``; None when ``fire_key`` was used before (a schedule
        firing twice creates one dispatch)."""

    @abstractmethod
    async def get_dispatch(self, dispatch_id: int) -> Dispatch:
        """Raises NotFound."""

    @abstractmethod
    async def list_dispatches(
        self,
        statuses: Sequence[DispatchStatus] = (),
        announcement_id: int | None = None,
        limit: int = 100,
    ) -> list[Dispatch]:
        """Newest first."""

    @abstractmethod
    async def next_dispatch_to_plan(self) -> Dispatch | None:
        """The ``planning`` dispatch to plan next: highest priority, then oldest."""

    @abstractmethod
    async def plan_batch(self, dispatch_id: int, batch: int) -> int:
        """Insert deliveries for the next ``batch`` target groups after the dispatch's cursor
        (active groups only, excluded regions skipped, unique per (dispatch, group)) and advance
        the cursor in the same transaction. Returns how many groups were scanned; 0 means
        planning is complete (the dispatch then moves to ``sending``) or the dispatch is no
        longer ``planning`` (cancelled meanwhile): nothing is inserted then."""

    @abstractmethod
    async def set_dispatch_status(
        self,
        dispatch_id: int,
        status: DispatchStatus,
        audit: AuditRecord | None,
        note: str | None = None,
        only_from: DispatchStatus | None = None,
    ) -> Dispatch:
        """Set the status and return the dispatch. With ``only_from``, only a dispatch in that
        status changes (and is audited); any other is returned unchanged. Raises NotFound."""

    @abstractmethod
    async def has_outstanding(self, dispatch_id: int) -> bool:
        """True while any delivery of the dispatch is queued or sending (cheap: no counting)."""

    @abstractmethod
    async def dispatch_progress(self, dispatch_id: int, by_channel: bool = False) -> Progress:
        """Delivery counts by status (and by channel)."""

    # -- deliveries ------------------------------------------------------------------------
    @abstractmethod
    async def claim_deliveries(
        self, account: str, limit: int, now: float, min_rank: int = 0
    ) -> list[ClaimedDelivery]:
        """Mark up to ``limit`` due ``queued`` deliveries of ``account`` as ``sending`` and
        return them, highest priority first, then oldest. ``min_rank`` filters by priority rank
        (quiet hours claim only emergencies)."""

    @abstractmethod
    async def record_outcomes(self, outcomes: Sequence[Outcome]) -> None:
        """Write outcomes of claimed deliveries in one transaction."""

    @abstractmethod
    async def requeue_in_flight(self, account: str | None = None) -> int:
        """After a crash: put ``sending`` deliveries back to ``queued``; return how many."""

    @abstractmethod
    async def cancel_deliveries(self, dispatch_id: int, reason: str) -> int:
        """Cancel the dispatch's ``queued`` deliveries with a reason; return how many."""

    @abstractmethod
    async def next_due(self, account: str, min_rank: int = 0) -> float | None:
        """When the earliest queued delivery of ``account`` becomes due (epoch seconds)."""

    @abstractmethod
    async def accounts_with_work(self) -> list[str]:
        """Accounts that have queued deliveries."""

    @abstractmethod
    async def queue_depth(self) -> dict[tuple[str, str], int]:
        """Unfinished deliveries by (account, status) for status in queued and sending."""
