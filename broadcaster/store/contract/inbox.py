"""Store contract, inbound role: what the inbox (webhooks, pollers) needs — event
deduplication, polls and votes, replies from groups, notices to send back."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from ..records import GroupTally, Notice, PollRef, Reply


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


class InboxStore(ABC):
    """Inbound events, polls, votes, replies, notices."""

    #: how many :meth:`record_votes` transactions one process should keep in flight: SQLite
    #: has one writer (more would only queue); PostgreSQL overlaps commits (each waits for its
    #: WAL flush), so a few at once multiply what one process can commit per second
    vote_batches_in_flight: int = 1

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
