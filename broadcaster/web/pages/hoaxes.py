"""The hoax desk in the dashboard — the verifiers' queue (scoped to the regions concerned, by
reports and recency), a case page with the verdict, confirm, reject and clarify forms and the
pictures reported through the web form (served to the case's readers only) — and the public
registry ``/hoaks`` (confirmed verdicts only, searchable, Atom feed; never a picture)."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from ...auth import Perm, allowed
from ...errors import NotFound
from ...hoaxdesk import media, verdicts
from ...hoaxdesk.feed import atom_feed
from ...hoaxdesk.verdicts import Label, may_rule
from ...store.contract.hoaxes import HoaxCase, HoaxStatus, VerdictStatus
from ..auth import Need, Principal, Public
from ..context import WebContext, web_context
from ..lapor import image_kind
from .render import render

router = APIRouter()
Ctx = Annotated[WebContext, Depends(web_context)]
Reader = Annotated[Principal, Depends(Need(Perm.read, tokens=False))]
Ruler = Annotated[Principal, Depends(Need(Perm.hoaxes_rule, tokens=False))]
Writer = Annotated[Principal, Depends(Need(Perm.announcements_write, tokens=False))]
STATS_DAYS = 14
PUBLIC_PAGE = 30


async def _case(ctx: WebContext, who: Principal, case_id: int) -> HoaxCase:
    """The case, if the reader's scope reaches it (else it does not exist for them)."""
    case = await ctx.store.get_hoax_case(case_id)
    if not may_rule(who.user, case):
        raise NotFound(f"hoax case {case_id} not found")
    return case


@router.get("/hoaxes")
async def queue_page(
    request: Request,
    ctx: Ctx,
    who: Reader,
    status: Annotated[HoaxStatus | None, Query()] = None,
) -> Response:
    """Open and proposed cases by default, most reported and most recent first."""
    chosen = [status] if status else [HoaxStatus.open, HoaxStatus.proposed]
    cases = await ctx.store.list_hoax_cases(chosen, scope=who.user.scope, limit=200)
    stats = await ctx.store.hoax_stats(time.time() - STATS_DAYS * 86400)
    return render(
        request,
        "hoaxes.html",
        who,
        cases=cases,
        status=status.value if status else "",
        statuses=[s.value for s in HoaxStatus],
        stats=stats,
        days=STATS_DAYS,
    )


@router.get("/hoaxes/{case_id}")
async def case_page(request: Request, ctx: Ctx, who: Reader, case_id: int) -> Response:
    case = await _case(ctx, who, case_id)
    history = await ctx.store.hoax_verdicts(case.id)
    reports = await ctx.store.hoax_reports(case.id)
    hashes = {r.media_hash for r in reports if r.media_hash and r.purged_at is None}
    return render(
        request,
        "hoax_case.html",
        who,
        case=case,
        reports=reports,
        pictures=await media.stored(media.media_dir(ctx.settings.service.data_dir), hashes),
        verdicts=history,
        current=verdicts.current_verdict(history),
        labels=[label.value for label in Label],
        can_rule=allowed(who.user, Perm.hoaxes_rule),
        can_clarify=allowed(who.user, Perm.announcements_write),
        proposed=VerdictStatus.proposed,
        confirmed=VerdictStatus.confirmed,
    )


@router.get("/hoaxes/{case_id}/media/{sha256}")
async def case_picture(ctx: Ctx, who: Reader, case_id: int, sha256: str) -> Response:
    """A picture a report of the case refers to (not purged), for whoever may read the case:
    404 outside the reader's scope, for another picture, or once retention removed it."""
    case = await _case(ctx, who, case_id)
    reports = await ctx.store.hoax_reports(case.id)
    if not any(r.media_hash == sha256 and r.purged_at is None for r in reports):
        raise NotFound(f"hoax case {case_id} has no picture {sha256[:64]!r}")
    content = await media.load(media.media_dir(ctx.settings.service.data_dir), sha256)
    kind = None if content is None else image_kind(content)
    if content is None or kind is None:
        raise NotFound(f"the picture {sha256} is not stored")
    return Response(
        content,
        media_type=media.CONTENT_TYPES[kind],
        headers={
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Content-Disposition": "inline",
        },
    )


def _back(case_id: int) -> RedirectResponse:
    return RedirectResponse(f"/hoaxes/{case_id}", status_code=303)


@router.post("/hoaxes/{case_id}/verdict")
async def verdict_form(request: Request, ctx: Ctx, who: Ruler, case_id: int) -> Response:
    form = await request.form()
    await _case(ctx, who, case_id)
    sources = [s for s in str(form.get("sources", "")).split() if s]
    await verdicts.propose(
        ctx.store,
        case_id,
        label=str(form.get("label", "")),
        claim=str(form.get("claim", "")),
        explanation=str(form.get("explanation", "")),
        sources=sources,
        acting=who.user.name,
    )
    return _back(case_id)


@router.post("/hoaxes/{case_id}/confirm")
async def confirm_form(ctx: Ctx, who: Ruler, case_id: int) -> Response:
    await _case(ctx, who, case_id)
    await verdicts.confirm(
        ctx.store, case_id, acting=who.user.name, public_url=ctx.settings.service.public_url
    )
    return _back(case_id)


@router.post("/hoaxes/{case_id}/reject")
async def reject_form(request: Request, ctx: Ctx, who: Ruler, case_id: int) -> Response:
    form = await request.form()
    await _case(ctx, who, case_id)
    reason = str(form.get("reason", ""))[:500]
    await verdicts.reject(ctx.store, case_id, acting=who.user.name, reason=reason)
    return _back(case_id)


@router.post("/hoaxes/{case_id}/clarify")
async def clarify_form(ctx: Ctx, who: Writer, case_id: int) -> Response:
    await _case(ctx, who, case_id)
    record = await verdicts.clarify(
        ctx.store, case_id, acting=who.user.name, public_url=ctx.settings.service.public_url
    )
    return RedirectResponse(f"/announcements/{record.id}", status_code=303)


# -- the public registry -----------------------------------------------------------------


@router.get("/hoaks", dependencies=[Depends(Public())])
async def registry_page(
    request: Request,
    ctx: Ctx,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """Confirmed verdicts, newest first; ``q`` searches code, label, claim and explanation."""
    query = (q or "").strip() or None
    found = await ctx.store.confirmed_hoaxes(
        query, limit=PUBLIC_PAGE + 1, offset=(page - 1) * PUBLIC_PAGE
    )
    return render(
        request,
        "hoaks.html",
        items=found[:PUBLIC_PAGE],
        q=query or "",
        page=page,
        more=len(found) > PUBLIC_PAGE,
    )


@router.get("/hoaks/feed.atom", dependencies=[Depends(Public())])
async def registry_feed(ctx: Ctx) -> Response:
    """The newest confirmed verdicts as an Atom feed (RFC 4287)."""
    found = await ctx.store.confirmed_hoaxes(None, limit=50)
    body = atom_feed(found, ctx.settings.service.public_url)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get("/hoaks/{code}", dependencies=[Depends(Public())])
async def registry_case(request: Request, ctx: Ctx, code: str) -> Response:
    """One confirmed verdict: label, claim, explanation, sources, dates, number of reports —
    never the reporters."""
    case = await ctx.store.find_hoax_case(code[:16])
    verdict = None
    if case is not None and case.status is HoaxStatus.confirmed:
        verdict = verdicts.current_verdict(await ctx.store.hoax_verdicts(case.id))
    if case is None or verdict is None or verdict.status is not VerdictStatus.confirmed:
        return render(request, "hoaks_case.html", case=None, code=code[:16], status_code=404)
    intact = verdict.content_hash == verdicts.verdict_hash(
        verdict.label, verdict.claim, verdict.explanation, verdict.sources
    )
    # shown with a warning, as /v/CODE does, when the stored text differs from what was pinned
    return render(request, "hoaks_case.html", case=case, verdict=verdict, intact=intact)
