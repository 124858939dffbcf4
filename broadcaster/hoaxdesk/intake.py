"""One report in, one case out: :func:`file_report` is the hoax desk's entry for every channel
(the Inbox's ``report`` events) and for the public web form ``/lapor``.

It stores the report with the reporter only as a salted hash, joins it to a case (exact text,
same media, or a near-identical claim: :mod:`.cluster`) or opens one, audits, and returns the
case code for the acknowledgement. It sends nothing: callers answer."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from ..config import Settings
from ..errors import Conflict, InputError
from ..store.contract import Store
from ..store.contract.hoaxes import NewHoaxReport
from ..store.records import AuditRecord
from . import cluster

#: the public case code: "HX-" + 5 characters without look-alikes (0/O, 1/I/L)
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_PREFIX = "HX-"
CODE_ATTEMPTS = 8
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


async def _region(store: Store, report: ReportIn) -> str | None:
    """The web form's chosen region, else the region of the group (or 1:1 subscriber) the
    report came from."""
    if report.region_code:
        return report.region_code.strip()
    if report.account and report.address:
        group = await store.find_group(report.channel, report.account, report.address)
        if group is not None:
            return group.region
    return None


async def _best_case(store: Store, keys: cluster.Keys, threshold: float) -> int | None:
    """The case an exact key points at, else the most similar candidate at or above the
    threshold."""
    candidates = await store.hoax_candidates(keys.all)
    exact = set(keys.exact)
    for candidate in candidates:
        if exact.intersection(candidate.keys):
            return candidate.case_id
    best, best_score = None, threshold
    for candidate in candidates:
        score = cluster.similarity(keys.norm, candidate.norm) if candidate.norm else 0.0
        if score >= best_score:
            best, best_score = candidate.case_id, score
    return best


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
    text = report.text.strip()[:MAX_TEXT]
    link = (report.link or "").strip() or None
    if not text and not link and not report.media_ref and not report.media_hash:
        raise InputError("the report is empty: send the suspicious text, link or picture")
    at = (now or datetime.now().astimezone()).timestamp()
    keys = cluster.keys_for(text, link, report.media_ref, report.media_hash)
    region = await _region(store, report)
    row = NewHoaxReport(
        channel=report.channel,
        account=report.account,
        address=report.address,
        reporter=hash_reporter(salt, report.channel, report.reporter),
        content=text,
        link=link,
        media_ref=report.media_ref,
        media_hash=report.media_hash,
        region=region,
        language=report.language,
        at=at,
    )
    join = await _best_case(store, keys, similarity)
    for _ in range(CODE_ATTEMPTS):
        audit = AuditRecord(
            actor="system",
            action="hoax.report",
            object_type="hoax_case",
            object_id="" if join is None else str(join),
            detail={"channel": report.channel, "region": region},
        )
        try:
            case, new = await store.add_hoax_report(
                row,
                join=join,
                exact_keys=keys.exact,
                keys=keys.all,
                code=new_code(),
                norm=keys.norm,
                summary=_summary(text, link),
                audit=audit,
            )
        except Conflict:
            continue  # the random code was taken: draw another
        return ReportAck(case_id=case.id, case_code=case.code, new_case=new)
    raise Conflict("no free hoax case code found; try again")
