"""The store's part of the hoax desk (issue 14): residents' reports clustered into cases, and
verdicts that one verifier proposes and another confirms.

Reporters are stored only as salted hashes. A report keeps where its answer goes (account and
address) until the verdict is confirmed and answered, and its personal parts until
:meth:`HoaxStore.purge_hoax_reports` removes them ``retention_days`` after the verdict."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from ..records import AuditRecord


class HoaxStatus(StrEnum):
    open = "open"  # no verdict yet, or its proposal was rejected
    proposed = "proposed"  # a verdict waits for a second verifier
    confirmed = "confirmed"  # ruled by two people; reporters answered; public


class VerdictStatus(StrEnum):
    proposed = "proposed"
    confirmed = "confirmed"
    rejected = "rejected"
    superseded = "superseded"  # replaced by a newer proposal (an edit voids the old one)


@dataclass(frozen=True, kw_only=True)
class HoaxCase:
    id: int
    code: str
    status: HoaxStatus
    summary: str  # an excerpt of the first report ("" once purged)
    reports: int
    first_seen: float
    last_seen: float
    confirmed_at: float | None
    regions: tuple[str, ...]
    channels: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class HoaxCandidate:
    """A case that shares a lookup key with a new report."""

    case_id: int
    norm: str  # the case's normalised text ("" once purged)
    keys: tuple[str, ...]  # the keys the report shares with it


@dataclass(frozen=True, kw_only=True)
class NewHoaxReport:
    channel: str
    account: str | None
    address: str | None
    reporter: str  # salted hash
    content: str
    link: str | None
    media_ref: str | None
    media_hash: str | None
    region: str | None
    language: str
    at: float


@dataclass(frozen=True, kw_only=True)
class HoaxFiling:
    """One report to store, and where it goes: an existing case (``join``), else the new case
    opened for every filing of the batch with the same ``new_ref``."""

    report: NewHoaxReport
    join: int | None
    new_ref: int | None
    exact_keys: tuple[str, ...]  # text and media keys (an exact repeat joins at once)
    keys: tuple[str, ...]  # every lookup key, added to the case
    norm: str  # a new case's normalised text
    summary: str  # a new case's excerpt


@dataclass(frozen=True, kw_only=True)
class Filed:
    case_id: int
    code: str
    new_case: bool  # this filing opened the case


@dataclass(frozen=True, kw_only=True)
class HoaxReport:
    id: int
    case_id: int
    channel: str
    account: str | None
    address: str | None
    reporter: str | None
    content: str | None
    link: str | None
    media_ref: str | None
    media_hash: str | None
    region: str | None
    language: str
    at: float
    answered_at: float | None
    purged_at: float | None


@dataclass(frozen=True, kw_only=True)
class NewHoaxVerdict:
    case_id: int
    label: str
    claim: str
    explanation: str
    sources: tuple[str, ...]
    author: str
    content_hash: str


@dataclass(frozen=True, kw_only=True)
class HoaxVerdict:
    id: int
    case_id: int
    label: str
    claim: str
    explanation: str
    sources: tuple[str, ...]
    author: str
    at: float
    content_hash: str
    status: VerdictStatus
    decided_by: str | None
    decided_at: float | None
    reason: str | None


@dataclass(frozen=True, kw_only=True)
class HoaxStats:
    reports_by_day: tuple[tuple[str, int], ...]  # (UTC date "YYYY-MM-DD", reports), oldest first
    open_cases: int  # open or proposed
    confirmed_cases: int
    median_seconds_to_verdict: float | None  # first report → confirmation, confirmed cases


class HoaxStore(ABC):
    # -- intake ----------------------------------------------------------------------------
    @abstractmethod
    async def hoax_candidates(self, keys: Sequence[str]) -> list[HoaxCandidate]:
        """Cases holding any of ``keys`` (one indexed read), with the keys each shares."""

    @abstractmethod
    async def hoax_group_regions(
        self, chats: Sequence[tuple[str, str, str]]
    ) -> dict[tuple[str, str, str], str]:
        """The region of each known (channel, account, address) group (any status)."""

    @abstractmethod
    async def add_hoax_reports(
        self, filings: Sequence[HoaxFiling], codes: Callable[[], str], audit: AuditRecord
    ) -> list[Filed]:
        """Store ``filings`` in one transaction, in order. A filing without ``join`` joins the
        case that holds one of its ``exact_keys`` by then (another process may have opened
        it), else the batch's new case for its ``new_ref``, opened with a code drawn from
        ``codes`` (drawn again while taken). Keys, counts, last_seen, regions and channels of
        the cases follow; ``audit`` is appended once, its detail completed with the counts.
        Returns where each filing went, in order."""

    # -- reading ---------------------------------------------------------------------------
    @abstractmethod
    async def get_hoax_case(self, case_id: int) -> HoaxCase:
        """The case (NotFound)."""

    @abstractmethod
    async def find_hoax_case(self, code: str) -> HoaxCase | None:
        """The case by its public code."""

    @abstractmethod
    async def list_hoax_cases(
        self,
        status: Sequence[HoaxStatus] = (),
        scope: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[HoaxCase]:
        """Cases by number of reports, then most recently seen; ``status`` filters (empty:
        all); ``scope`` keeps cases with a region within it, or with no region at all."""

    @abstractmethod
    async def hoax_reports(self, case_id: int) -> list[HoaxReport]:
        """The case's reports, oldest first."""

    @abstractmethod
    async def hoax_verdicts(self, case_id: int) -> list[HoaxVerdict]:
        """The case's verdicts (every status), oldest first."""

    @abstractmethod
    async def confirmed_hoaxes(
        self, query: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[tuple[HoaxCase, HoaxVerdict]]:
        """Confirmed cases with their confirmed verdict, newest confirmation first; ``query``
        matches code, label, claim or explanation (case-insensitive substring)."""

    # -- verdicts --------------------------------------------------------------------------
    @abstractmethod
    async def propose_hoax_verdict(
        self, verdict: NewHoaxVerdict, audit: AuditRecord
    ) -> HoaxVerdict:
        """Record a proposal; an earlier proposal of the case is superseded (its pinned hash
        no longer counts). Conflict when the case is already confirmed."""

    @abstractmethod
    async def confirm_hoax_verdict(
        self,
        verdict_id: int,
        confirmer: str,
        content_hash: str,
        notices: Mapping[str, str],
        audit: AuditRecord,
    ) -> HoaxVerdict:
        """Confirm a proposed verdict in one transaction: Conflict unless it is the case's
        current proposal, PermissionDenied when ``confirmer`` is its author, IntegrityError
        when its pinned hash is not ``content_hash``. The case becomes confirmed, and one
        notice (``notices`` by the report's language, "id" as fallback) is queued for every
        distinct (account, address) of its unanswered reports, which are marked answered."""

    @abstractmethod
    async def reject_hoax_verdict(
        self, verdict_id: int, by: str, reason: str, audit: AuditRecord
    ) -> HoaxVerdict:
        """Reject the current proposal; the case goes back to open (Conflict otherwise)."""

    # -- housekeeping and figures ------------------------------------------------------------
    @abstractmethod
    async def purge_hoax_reports(self, confirmed_before: float, audit: AuditRecord) -> int:
        """Remove the personal parts (reporter, account, address, content, link, media
        reference) of the reports received before ``confirmed_before`` of cases confirmed
        before it, and those cases' texts; one audit entry when any was purged. Returns the
        number of reports."""

    @abstractmethod
    async def hoax_stats(self, since: float) -> HoaxStats:
        """Reports per UTC day since ``since``, open cases, median time to a verdict."""
