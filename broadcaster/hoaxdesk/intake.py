"""One report in, one case out: :func:`file_report` is the hoax desk's entry for every channel
(the Inbox's ``report`` events) and for the public web form ``/lapor``.

It stores the report with the reporter only as a salted hash, joins it to a case (exact text,
same media, or a near-identical claim: :mod:`.cluster`) or opens one, audits, and returns the
case code for the acknowledgement. It sends nothing: callers answer."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ..errors import InputError
from ..store.contract import Store
from ..store.contract.hoaxes import HoaxCandidate, HoaxFiling, NewHoaxReport
from ..store.records import AuditRecord
from . import cluster

if TYPE_CHECKING:
    from ..config import Settings

#: the public case code: "HX-" + 5 characters without look-alikes (0/O, 1/I/L)
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_PREFIX = "HX-"
SUMMARY_CHARS = 280
DEFAULT_SIMILARITY = 0.85
#: the longest report text kept (a forwarded chain letter can be long; the rest adds nothing)
MAX_TEXT = 8000


@dataclass(frozen=True, kw_only=True)
class ReportIn:
    channel: str  # "telegram" | "whatsapp" | "waha" | "email" | "web" (adapter kind)
    account: str | None  # adapter account name; None for the web form
    address: str | None  # where to answer; None for the web form
    reporter: str  # raw reporter id (web form: a per-submission id; it is hashed)
    text: str
    link: str | None = None  # web form: optional link
    media_ref: str | None = None
    media_hash: str | None = None
    region_code: str | None = None  # web form: chosen region; else the group's region
    language: str = "id"


@dataclass(frozen=True, kw_only=True)
class ReportAck:
    case_id: int
    case_code: str  # short public code shown to the reporter, e.g. "HX-7K3Q9"
    new_case: bool


def reporter_salt(settings: Settings) -> bytes:
    """The secret the reporters' hashes are salted with: the Inbox's (``$BROADCASTER_SECRET``,
    else ``data_dir/.salt``)."""
    from ..inbox import load_salt  # the Inbox imports this module

    return load_salt(settings.service.data_dir)


def hash_reporter(salt: bytes, channel: str, raw: str) -> str:
    digest = hmac.new(salt, f"report:{channel}:{raw}".encode(), hashlib.sha256)
    return digest.hexdigest()[:24]


def new_code() -> str:
    return CODE_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(5))


def _summary(text: str, link: str | None) -> str:
    flat = " ".join((text + (" " + link if link else "")).split())
    return flat if len(flat) <= SUMMARY_CHARS else flat[: SUMMARY_CHARS - 1] + "…"


@dataclass
class Pending:
    """A report on its way in: its row, keys and where the batch decided it goes."""

    report: ReportIn
    text: str
    link: str | None
    keys: cluster.Keys
    join: int | None = None
    new_ref: int | None = None
    #: the same text as its case: its bands are the case's already (only media keys are new)
    same_text: bool = False

    def keys_to_add(self) -> tuple[str, ...]:
        return tuple(self.keys.exact if self.same_text else self.keys.all)


def check(report: ReportIn) -> None:
    """InputError when the report holds nothing to check (no text, link or media)."""
    if (
        not report.text.strip()
        and not (report.link or "").strip()
        and not report.media_ref
        and not report.media_hash
    ):
        raise InputError("the report is empty: send the suspicious text, link or picture")


async def _regions(store: Store, reports: Sequence[ReportIn]) -> list[str | None]:
    """The web form's chosen region, else the region of the group (or 1:1 subscriber) the
    report came from."""
    chats = {
        (r.channel, r.account, r.address)
        for r in reports
        if not r.region_code and r.account and r.address
    }
    known = await store.hoax_group_regions(sorted(chats)) if chats else {}
    return [
        r.region_code.strip()
        if r.region_code
        else known.get((r.channel, r.account or "", r.address or ""))
        for r in reports
    ]


class _Index:
    """The lookup keys of the candidates from the store and of the batch's own new cases."""

    def __init__(self, candidates: Sequence[HoaxCandidate]) -> None:
        self.cases: dict[str, set[int]] = {}
        self.norms: dict[int, str] = {}
        for candidate in candidates:
            self.norms[candidate.case_id] = candidate.norm
            for key in candidate.keys:
                self.cases.setdefault(key, set()).add(candidate.case_id)
        self.new: dict[str, set[int]] = {}  # key -> new_ref
        self.new_norms: dict[int, str] = {}

    def place(self, pending: Pending, ref: int, threshold: float) -> None:
        """Decide: an exact key, else the most similar candidate at or above the threshold,
        else a new case (which later reports of the batch may join)."""
        keys = pending.keys
        for key in keys.exact:
            pending.same_text = key.startswith("t:")
            if key in self.cases:
                pending.join = min(self.cases[key])
                return
            if key in self.new:
                pending.new_ref = min(self.new[key])
                return
        pending.same_text = False
        best: tuple[float, int | None, int | None] = (threshold, None, None)
        stored = {c for key in keys.bands for c in self.cases.get(key, ())}
        for case_id in sorted(stored):  # each candidate scored once, however many bands match
            norm = self.norms[case_id]
            score = cluster.similarity(keys.norm, norm) if norm else 0.0
            if score >= best[0]:
                best = (score, case_id, None)
        for new_ref in sorted({r for key in keys.bands for r in self.new.get(key, ())}):
            score = cluster.similarity(keys.norm, self.new_norms[new_ref])
            if score >= best[0]:
                best = (score, None, new_ref)
        _, pending.join, pending.new_ref = best
        if pending.join is None and pending.new_ref is None:
            pending.new_ref = ref
            self.new_norms[ref] = keys.norm
            for key in keys.all:
                self.new.setdefault(key, set()).add(ref)


def prepare(report: ReportIn) -> Pending:
    """Check the report (InputError when empty) and compute its lookup keys: the CPU part of
    filing, done by the caller (the batcher overlaps it with the previous batch's commit)."""
    check(report)
    text = report.text.strip()[:MAX_TEXT]
    link = (report.link or "").strip() or None
    keys = cluster.keys_for(text, link, report.media_ref, report.media_hash)
    return Pending(report=report, text=text, link=link, keys=keys)


async def file_reports(
    store: Store,
    reports: Sequence[ReportIn],
    *,
    salt: bytes,
    now: datetime | None = None,
    similarity: float = DEFAULT_SIMILARITY,
) -> list[ReportAck]:
    """:func:`file_report` for many reports at once: one candidate lookup, one transaction,
    one audit entry. InputError when one is empty."""
    pending = [prepare(report) for report in reports]
    return await file_prepared(store, pending, salt=salt, now=now, similarity=similarity)


async def file_prepared(
    store: Store,
    pending: Sequence[Pending],
    *,
    salt: bytes,
    now: datetime | None = None,
    similarity: float = DEFAULT_SIMILARITY,
) -> list[ReportAck]:
    """File reports :func:`prepare` made ready (what :class:`~.batch.ReportBatcher`
    commits)."""
    at = (now or datetime.now().astimezone()).timestamp()
    reports = [p.report for p in pending]
    index = _Index(await store.hoax_candidates([k for p in pending for k in p.keys.all]))
    for ref, item in enumerate(pending):
        index.place(item, ref, similarity)
    regions = await _regions(store, reports)
    filings = [
        HoaxFiling(
            report=NewHoaxReport(
                channel=p.report.channel,
                account=p.report.account,
                address=p.report.address,
                reporter=hash_reporter(salt, p.report.channel, p.report.reporter),
                content=p.text,
                link=p.link,
                media_ref=p.report.media_ref,
                media_hash=p.report.media_hash,
                region=region,
                language=p.report.language,
                at=at,
            ),
            join=p.join,
            new_ref=p.new_ref,
            exact_keys=tuple(p.keys.exact),
            keys=p.keys_to_add(),
            norm=p.keys.norm,
            summary=_summary(p.text, p.link),
        )
        for p, region in zip(pending, regions, strict=True)
    ]
    channels = sorted({r.channel for r in reports})
    audit = AuditRecord(
        actor="system",
        action="hoax.report",
        object_type="hoax_case",
        object_id="",
        detail={"channels": channels},
    )
    filed = await store.add_hoax_reports(filings, new_code, audit)
    return [ReportAck(case_id=f.case_id, case_code=f.code, new_case=f.new_case) for f in filed]


async def file_report(
    store: Store,
    report: ReportIn,
    *,
    salt: bytes,
    now: datetime | None = None,
    similarity: float = DEFAULT_SIMILARITY,
) -> ReportAck:
    """Store ``report`` and join it to a case (or open one); audit; return the ack.

    InputError when it holds nothing to check (no text, link or media). ``similarity`` is
    ``[hoax] similarity`` of the configuration."""
    [ack] = await file_reports(store, [report], salt=salt, now=now, similarity=similarity)
    return ack
