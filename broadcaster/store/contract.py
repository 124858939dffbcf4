"""The async ``Store`` contract owned by the core.

Every implementation (SQLite today, PostgreSQL later) passes the same contract suite in
``tests/store``. Mutating methods take an :class:`AuditRecord` and append it to the hash-chained
audit log *in the same transaction* as the change, so the log can never disagree with the data.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from enum import Enum
from types import TracebackType
from typing import Any, Self

from content.model import Announcement, Level, Priority
from content.workflow import Status

from .contract_channels import ChannelStore
from .contract_selfservice import SelfServiceStore
from .contract_web import WebStore
from .records import (
    AnnouncementRecord,
    Approval,
    AuditEntry,
    AuditRecord,
    ClaimedDelivery,
    Dispatch,
    DispatchStatus,
    Group,
    GroupFilter,
    GroupStatus,
    GroupTally,
    ImportStats,
    NewGroup,
    Notice,
    Outcome,
    PollRef,
    Progress,
    Region,
    Reply,
    Role,
    ScheduleRecord,
    ScheduleStatus,
    User,
)


@dataclass(frozen=True, slots=True)
class InboundVote:
    """One vote event for :meth:`Store.record_votes`: ``event_id`` is the deduplication key (as
    given to :meth:`Store.record_inbound`), ``voter`` the salted hash, ``options`` the chosen
    indexes (empty = retracted)."""

    account: str
    event_id: str
    poll_id: str
    voter: str
    options: tuple[int, ...]


class VoteOutcome(Enum):
    """What :meth:`Store.record_votes` did with one vote."""

    applied = "applied"  # new event, vote set (or retracted)
    duplicate = "duplicate"  # event id seen before: nothing changed
    unknown_poll = "unknown_poll"  # not our poll: nothing written, not even the event id


class Store(WebStore, ChannelStore, SelfServiceStore, ABC):
    """Persistent state of one broadcaster installation."""

    #: how many :meth:`record_votes` transactions one process should keep in flight: SQLite
    #: has one writer (more would only queue); PostgreSQL overlaps commits (each waits for its
    #: WAL flush), so a few at once multiply what one process can commit per second
    vote_batches_in_flight: int = 1

    # -- lifecycle -------------------------------------------------------------------------
    @abstractmethod
    async def open(self) -> None:
        """Connect and apply pending migrations."""

    @abstractmethod
    async def close(self) -> None:
        """Flush and disconnect. Idempotent."""

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @abstractmethod
    async def schema_version(self) -> int:
        """The newest migration applied."""

    # -- regions ---------------------------------------------------------------------------
    @abstractmethod
    async def import_regions(self, regions: Sequence[Region], audit: AuditRecord) -> ImportStats:
        """Insert new regions and rename changed ones in ONE transaction; never deletes.

        The caller has validated the rows (parents exist in the batch or the store).
        """

    @abstractmethod
    async def get_regions(self, codes: Sequence[str]) -> dict[str, Region]:
        """The stored regions among ``codes``."""

    @abstractmethod
    def iter_regions(
        self, under: str | None = None, level: Level | None = None, batch: int = 1000
    ) -> AsyncIterator[Region]:
        """Stream regions in code order, optionally only those under ``under`` / at ``level``."""

    @abstractmethod
    async def count_regions(self, under: str | None = None, level: Level | None = None) -> int:
        """How many regions :meth:`iter_regions` would yield."""

    # -- groups ----------------------------------------------------------------------------
    @abstractmethod
    async def add_group(self, group: NewGroup, audit: AuditRecord) -> Group:
        """Add a group. Raises Conflict when (channel, account, address) exists, NotFound when
        its region does not."""

    @abstractmethod
    async def get_group(self, group_id: int) -> Group:
        """Raises NotFound."""

    @abstractmethod
    async def find_group(self, channel: str, account: str, address: str) -> Group | None:
        """The group at that address, if any."""

    @abstractmethod
    def iter_groups(self, where: GroupFilter, batch: int = 1000) -> AsyncIterator[Group]:
        """Stream matching groups ordered by (region, id): one indexed range scan, batched."""

    @abstractmethod
    async def count_groups(self, where: GroupFilter, by: str | None = None) -> dict[str, int]:
        """Counts of matching groups; ``by`` in (None, "status", "channel", "kind", "level")."""

    @abstractmethod
    async def update_group(
        self,
        group_id: int,
        audit: AuditRecord,
        *,
        status: GroupStatus | None = None,
        region: str | None = None,
        address: str | None = None,
        approved_by: str | None = None,
        kind: str | None = None,
    ) -> Group:
        """Change the given fields. Raises NotFound / Conflict (address taken)."""

    # -- users -----------------------------------------------------------------------------
    @abstractmethod
    async def add_user(self, name: str, role: Role, scope: str | None, audit: AuditRecord) -> User:
        """Raises Conflict when the name exists."""

    @abstractmethod
    async def get_user(self, name: str) -> User:
        """Raises NotFound."""

    @abstractmethod
    async def list_users(self) -> list[User]:
        """All users by name."""

    @abstractmethod
    async def update_user(
        self,
        name: str,
        audit: AuditRecord,
        *,
        role: Role | None = None,
        scope: str | None = None,
        active: bool | None = None,
    ) -> User:
        """Raises NotFound."""

    # -- announcements ---------------------------------------------------------------------
    @abstractmethod
    async def create_announcement(
        self, author: str, content: Announcement, content_hash: str, audit: AuditRecord
    ) -> AnnouncementRecord:
        """A new draft."""

    @abstractmethod
    async def get_announcement(self, announcement_id: int) -> AnnouncementRecord:
        """Raises NotFound."""

    @abstractmethod
    async def find_announcement(self, short_code: str) -> AnnouncementRecord | None:
        """By its public short code."""

    @abstractmethod
    async def list_announcements(
        self, status: Status | None = None, limit: int = 100, offset: int = 0
    ) -> list[AnnouncementRecord]:
        """Newest first."""

    @abstractmethod
    async def save_announcement(
        self,
        announcement_id: int,
        expected_version: int,
        audit: AuditRecord,
        *,
        status: Status,
        content: Announcement | None = None,
        content_hash: str | None = None,
        approved_hash: str | None = None,
        clear_approved: bool = False,
        reject_reason: str | None = None,
    ) -> AnnouncementRecord:
        """Write a new version. Raises Conflict when the stored version is not
        ``expected_version`` (someone else changed it meanwhile)."""

    @abstractmethod
    async def add_approval(
        self, announcement_id: int, approver: str, content_hash: str, audit: AuditRecord
    ) -> list[Approval]:
        """Record an approval of that exact hash; return the approvals of that hash.
        Raises Conflict when the approver already approved that hash."""

    @abstractmethod
    async def list_approvals(self, announcement_id: int) -> list[Approval]:
        """Every approval ever given, oldest first (for the trail)."""

    # -- schedules -------------------------------------------------------------------------
    @abstractmethod
    async def create_schedule(
        self,
        announcement_id: int,
        kind: str,
        run_at: float | None,
        cron: str | None,
        timezone: str,
        created_by: str,
        audit: AuditRecord,
    ) -> ScheduleRecord:
        """A new active schedule."""

    @abstractmethod
    async def get_schedule(self, schedule_id: int) -> ScheduleRecord:
        """Raises NotFound."""

    @abstractmethod
    async def list_schedules(
        self, status: ScheduleStatus | None = None, announcement_id: int | None = None
    ) -> list[ScheduleRecord]:
        """Oldest first."""

    @abstractmethod
    async def update_schedule(
        self,
        schedule_id: int,
        audit: AuditRecord | None,
        *,
        status: ScheduleStatus | None = None,
        last_fired_at: float | None = None,
        note: str | None = None,
    ) -> ScheduleRecord:
        """Raises NotFound."""

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

    # -- inbound: polls, votes, replies, notices --------------------------------------------
    @abstractmethod
    async def record_inbound(self, account: str, event_id: str) -> bool:
        """Remember a provider event id; False when it was seen before (a redelivery)."""

    @abstractmethod
    async def add_polls(self, polls: Sequence[PollRef]) -> None:
        """Remember polls we sent (idempotent)."""

    @abstractmethod
    async def find_poll(self, account: str, poll_id: str) -> PollRef | None:
        """The poll we sent under that provider id."""

    @abstractmethod
    async def record_vote(
        self, account: str, poll_id: str, voter: str, options: Sequence[int]
    ) -> None:
        """Set the voter's live vote (replacing an earlier one); no options retracts it."""

    @abstractmethod
    async def record_votes(self, votes: Sequence[InboundVote]) -> list[VoteOutcome]:
        """Group commit of many vote events in ONE transaction (all or nothing), one outcome
        per vote in order. A vote whose poll the store does not know is ``unknown_poll`` and
        leaves no trace (the caller may wait for the poll and retry). Otherwise its event id is
        remembered as by :meth:`record_inbound` — ``duplicate`` when seen before, also earlier
        in the same batch — and a new one sets the voter's live vote as :meth:`record_vote`
        does; of several new votes by one voter in the batch the last wins. Rows are written in
        key order, so concurrent batches (other processes) cannot deadlock each other."""

    @abstractmethod
    async def record_poll_counts(self, account: str, poll_id: str, counts: Sequence[int]) -> None:
        """Store the provider's per-option counts of an anonymous poll."""

    @abstractmethod
    async def poll_tally(self, announcement_id: int, options: int) -> list[GroupTally]:
        """Per-group counts of the announcement's poll (votes, else provider counts)."""

    @abstractmethod
    async def add_reply(self, account: str, group_id: int | None, author: str, text: str) -> Reply:
        """File a resident's reply in the moderation inbox."""

    @abstractmethod
    async def list_replies(self, limit: int = 50, status: str | None = None) -> list[Reply]:
        """Newest first."""

    @abstractmethod
    async def purge_replies(self, before: float) -> int:
        """Delete replies older than ``before`` (retention); return how many."""

    @abstractmethod
    async def add_notice(self, account: str, address: str, text: str) -> None:
        """Queue a service message to a group (welcome, approval); sent by the running service."""

    @abstractmethod
    async def pending_notices(self, account: str, limit: int = 50) -> list[Notice]:
        """Notices not yet sent, oldest first."""

    @abstractmethod
    async def finish_notice(self, notice_id: int, error: str | None = None) -> None:
        """Mark a notice sent (or failed with ``error``)."""

    # -- audit -----------------------------------------------------------------------------
    @abstractmethod
    async def audit(self, record: AuditRecord) -> AuditEntry:
        """Append an entry for an action that changes nothing else."""

    @abstractmethod
    def iter_audit(self, batch: int = 1000) -> AsyncIterator[AuditEntry]:
        """Every entry in sequence order."""

    @abstractmethod
    async def audit_head(self) -> tuple[int, str] | None:
        """(seq, hash) recorded at the last append."""

    @abstractmethod
    async def list_audit(
        self, limit: int = 50, object_type: str | None = None, object_id: str | None = None
    ) -> list[AuditEntry]:
        """Newest first."""
