"""Verdicts, two people like announcements: one verifier proposes (label, claim, explanation,
sources; the SHA-256 of that content is pinned), another confirms; the proposer can never
confirm. A new proposal supersedes the old one (an edit voids any pending confirmation); a
rejected proposal sends the case back to open. On confirmation every reporter is answered on
their channel (one notice per group or private chat) in the same transaction.

Permissions: :attr:`~broadcaster.auth.Perm.hoaxes_rule` (verifiers, admins) to propose,
confirm and reject, on a case whose regions include one within the user's scope (a case from
1:1 chats only has no region: any verifier); clarifying drafts an announcement through the
ordinary :class:`~broadcaster.announcements.Workflow` (officers, scoped to every target)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from content.i18n import t

from ..auth import Perm, require
from ..errors import Conflict, InputError, IntegrityError, NotFound, PermissionDenied
from ..expiry import ensure_current
from ..regions import is_within
from ..store.contract import Store
from ..store.contract.hoaxes import (
    HoaxCase,
    HoaxStatus,
    HoaxVerdict,
    NewHoaxVerdict,
    VerdictStatus,
)
from ..store.records import AnnouncementRecord, AuditRecord, User

if TYPE_CHECKING:
    from content.model import Announcement

LANGUAGES = ("id", "en")
CLAIM_MAX = 300
EXPLANATION_MAX = 3000
TITLE_CLAIM = 100


class Label(StrEnum):
    hoaks = "hoaks"  # fabricated, false
    disinformasi = "disinformasi"  # false and spread to deceive
    misinformasi = "misinformasi"  # false or misleading, spread without intent
    fakta = "fakta"  # checked and true
    belum_terbukti = "belum_terbukti"  # cannot be confirmed yet


def public_case_url(public_url: str, code: str) -> str:
    """The registry page of a case: ``<service.public_url>/hoaks/<code>``."""
    return f"{public_url.rstrip('/')}/hoaks/{code}"


def verdict_hash(label: str, claim: str, explanation: str, sources: Sequence[str]) -> str:
    """SHA-256 of the verdict's canonical content (what the second verifier confirms)."""
    canonical = json.dumps(
        {"label": label, "claim": claim, "explanation": explanation, "sources": list(sources)},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def current_verdict(verdicts: Sequence[HoaxVerdict]) -> HoaxVerdict | None:
    """The confirmed verdict, else the pending proposal, else None."""
    for status in (VerdictStatus.confirmed, VerdictStatus.proposed):
        for verdict in reversed(verdicts):
            if verdict.status is status:
                return verdict
    return None


def may_rule(user: User, case: HoaxCase) -> bool:
    """A case is the user's when one of its regions lies in their scope (or it has none)."""
    if user.scope is None or not case.regions:
        return True
    return any(is_within(code, user.scope) for code in case.regions)


async def _ruler(store: Store, name: str, case: HoaxCase) -> User:
    user = await ensure_current(store, await store.get_user(name))
    require(user, Perm.hoaxes_rule)
    if not may_rule(user, case):
        raise PermissionDenied(
            f"{user.name!r} is scoped to region {user.scope}; case {case.code} was reported "
            f"from {', '.join(case.regions)}"
        )
    return user


def _check_sources(sources: Sequence[str]) -> list[str]:
    checked = []
    for source in sources:
        url = source.strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InputError(f"source {source!r} is not an http(s) link")
        checked.append(url)
    return checked


async def propose(
    store: Store,
    case_id: int,
    *,
    label: str,
    explanation: str,
    sources: Sequence[str],
    acting: str,
    claim: str | None = None,
) -> HoaxVerdict:
    """Propose a verdict (supersedes a pending one). ``claim`` defaults to the case's
    excerpt; it is published, so verifiers word it without residents' personal data."""
    case = await store.get_hoax_case(case_id)
    user = await _ruler(store, acting, case)
    try:
        checked_label = Label(label.strip().lower()).value
    except ValueError:
        raise InputError(
            f"label {label!r} is not one of {', '.join(item.value for item in Label)}"
        ) from None
    text = explanation.strip()
    wording = " ".join((claim if claim is not None else case.summary).split())
    if not text or len(text) > EXPLANATION_MAX:
        raise InputError(f"the explanation must hold 1 to {EXPLANATION_MAX} characters")
    if not wording or len(wording) > CLAIM_MAX:
        raise InputError(f"the claim must hold 1 to {CLAIM_MAX} characters")
    links = _check_sources(sources)
    digest = verdict_hash(checked_label, wording, text, links)
    return await store.propose_hoax_verdict(
        NewHoaxVerdict(
            case_id=case.id,
            label=checked_label,
            claim=wording,
            explanation=text,
            sources=tuple(links),
            author=user.name,
            content_hash=digest,
        ),
        AuditRecord(
            actor=user.name,
            action="hoax.verdict_propose",
            object_type="hoax_case",
            object_id=str(case.id),
            detail={"label": checked_label, "sources": len(links)},
            content_hash=digest,
        ),
    )


async def _proposal(store: Store, case: HoaxCase) -> HoaxVerdict:
    if case.status is not HoaxStatus.proposed:
        raise Conflict(f"case {case.code} is {case.status}; there is no verdict to decide")
    verdict = current_verdict(await store.hoax_verdicts(case.id))
    if verdict is None or verdict.status is not VerdictStatus.proposed:
        raise Conflict(f"case {case.code} has no pending verdict")
    return verdict


def verdict_notices(case: HoaxCase, verdict: HoaxVerdict, public_url: str) -> dict[str, str]:
    """The answer to reporters, per language."""
    url = public_case_url(public_url, case.code)
    return {
        lang: t(
            "hoax.verdict",
            lang,
            code=case.code,
            label=t(f"hoax.label.{verdict.label}", lang),
            explanation=verdict.explanation,
            url=url,
        )
        for lang in LANGUAGES
    }


async def confirm(store: Store, case_id: int, *, acting: str, public_url: str) -> HoaxVerdict:
    """Confirm the pending verdict as a second verifier; every reporter is answered."""
    case = await store.get_hoax_case(case_id)
    user = await _ruler(store, acting, case)
    verdict = await _proposal(store, case)
    if verdict.author == user.name:
        raise PermissionDenied(
            f"{user.name!r} proposed this verdict; another verifier must confirm it"
        )
    digest = verdict_hash(verdict.label, verdict.claim, verdict.explanation, verdict.sources)
    if digest != verdict.content_hash:
        raise IntegrityError(
            f"verdict {verdict.id} of case {case.code} differs from what was proposed "
            "(its pinned hash no longer matches); propose it again"
        )
    return await store.confirm_hoax_verdict(
        verdict.id,
        user.name,
        digest,
        verdict_notices(case, verdict, public_url),
        AuditRecord(
            actor=user.name,
            action="hoax.verdict_confirm",
            object_type="hoax_case",
            object_id=str(case.id),
            detail={"label": verdict.label, "proposed_by": verdict.author},
            content_hash=digest,
        ),
    )


async def reject(store: Store, case_id: int, *, acting: str, reason: str) -> HoaxVerdict:
    """Reject the pending verdict with a reason; the case goes back to open."""
    case = await store.get_hoax_case(case_id)
    user = await _ruler(store, acting, case)
    if not reason.strip():
        raise InputError("a rejection needs a reason")
    verdict = await _proposal(store, case)
    return await store.reject_hoax_verdict(
        verdict.id,
        user.name,
        reason.strip(),
        AuditRecord(
            actor=user.name,
            action="hoax.verdict_reject",
            object_type="hoax_case",
            object_id=str(case.id),
            detail={"reason": reason.strip(), "proposed_by": verdict.author},
            content_hash=verdict.content_hash,
        ),
    )


def clarification(case: HoaxCase, verdict: HoaxVerdict, public_url: str) -> Announcement:
    """The "Klarifikasi: …" announcement, in Indonesian and English, targeted at the regions
    the reports came from."""
    from content.model import Announcement, Target, Variant  # pydantic: only when drafting

    if not case.regions:
        raise InputError(
            f"case {case.code} has no region (reported only in private chats); "
            "write the announcement yourself with its target"
        )
    claim = verdict.claim
    short = claim if len(claim) <= TITLE_CLAIM else claim[: TITLE_CLAIM - 1] + "…"
    variants = {}
    for lang in LANGUAGES:
        sources = ", ".join(verdict.sources) or "-"
        variants[lang] = Variant(
            title=t("hoax.clarify_title", lang, claim=short),
            body=t(
                "hoax.clarify_body",
                lang,
                claim=claim,
                label=t(f"hoax.label.{verdict.label}", lang),
                explanation=verdict.explanation,
                sources=sources,
                url=public_case_url(public_url, case.code),
            ),
        )
    return Announcement(variants=variants, target=Target(regions=list(case.regions)))


async def clarify(
    store: Store, case_id: int, *, acting: str, public_url: str
) -> AnnouncementRecord:
    """Draft the clarification announcement of a confirmed verdict (it then goes through the
    normal verification)."""
    from ..announcements import Workflow  # the workflow imports much; only clarify needs it

    case = await store.get_hoax_case(case_id)
    verdict = current_verdict(await store.hoax_verdicts(case.id))
    if verdict is None or verdict.status is not VerdictStatus.confirmed:
        raise Conflict(f"case {case.code} has no confirmed verdict to clarify")
    return await Workflow(store).create(acting, clarification(case, verdict, public_url))


async def purge(store: Store, *, retention_days: float, now: float) -> int:
    """Retention: strip the personal parts of reports whose verdict is older than
    ``retention_days``; the number of reports purged."""
    return await store.purge_hoax_reports(
        now - retention_days * 86400,
        AuditRecord(
            actor="system",
            action="hoax.reports_purge",
            object_type="hoax_reports",
            object_id="",
            detail={"retention_days": retention_days},
        ),
    )


async def find_case(store: Store, ref: str | int) -> HoaxCase:
    """A case by id ("12") or public code ("HX-7K3Q9"); NotFound otherwise."""
    text = str(ref).strip()
    if text.isdigit():
        return await store.get_hoax_case(int(text))
    case = await store.find_hoax_case(text)
    if case is None:
        raise NotFound(f"hoax case {text!r} not found")
    return case
