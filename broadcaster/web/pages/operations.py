"""Dispatch progress (with Server-Sent Events), groups, poll results and audit pages."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from content.levels import GROUP_KINDS, Level

from ...audit_scope import visible_audit
from ...auth import Perm, allowed
from ...store.records import GroupStatus
from ..api.announcements import results_csv_response, results_svg
from ..auth import Need, Principal
from ..context import WebContext, web_context
from ..forecast import forecast_context
from ..i18n import gettext_for
from ..views import dispatch_out, groups_page, progress, results_out, title_of, verify_audit
from .render import language, render

router = APIRouter()
Ctx = Annotated[WebContext, Depends(web_context)]
Reader = Annotated[Principal, Depends(Need(Perm.read, tokens=False))]
Approver = Annotated[Principal, Depends(Need(Perm.groups_approve, tokens=False))]
Manager = Annotated[Principal, Depends(Need(Perm.groups_manage, tokens=False))]
SSE_INTERVAL = 1.0


@router.get("/dispatches")
async def dispatches_page(request: Request, ctx: Ctx, who: Reader) -> Response:
    found = await ctx.store.list_visible_dispatches(who.user.scope, who.name, limit=100)
    items = [dispatch_out(d) for d in found]
    return render(request, "dispatches.html", who, items=items)


@router.get("/dispatches/{dispatch_id}")
async def dispatch_page(request: Request, ctx: Ctx, who: Reader, dispatch_id: int) -> Response:
    p = await progress(ctx, who, dispatch_id)
    record = await ctx.store.get_announcement(p.dispatch.announcement_id)
    forecast = None
    if p.dispatch.status in ("planning", "sending"):  # what remains of it
        forecast = await forecast_context(ctx, who, record.id, language(request))
    return render(
        request, "dispatch.html", who, p=p, title=title_of(record.content), forecast=forecast
    )


@router.get("/dispatches/{dispatch_id}/events")
async def dispatch_events(
    request: Request, ctx: Ctx, who: Reader, dispatch_id: int
) -> StreamingResponse:
    """Server-Sent Events: one ``progress`` event a second until the dispatch finishes."""
    await progress(ctx, who, dispatch_id)  # 404 (missing or outside scope) before streaming

    async def stream() -> AsyncIterator[str]:
        yield "retry: 3000\n\n"
        while True:
            p = await progress(ctx, who, dispatch_id)
            yield f"event: progress\ndata: {json.dumps(p.model_dump(mode='json'))}\n\n"
            if p.finished or await request.is_disconnected():
                yield "event: done\ndata: {}\n\n"
                return
            await asyncio.sleep(SSE_INTERVAL)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/groups")
async def groups_list(
    request: Request,
    ctx: Ctx,
    who: Reader,
    region: Annotated[str | None, Query(max_length=40)] = None,
    kind: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies defaults
    channel: Annotated[list[str], Query()] = [],  # noqa: B006
    status: Annotated[list[GroupStatus], Query()] = [],  # noqa: B006
) -> Response:
    """Filter groups; pending subscriptions first by default (the ones to approve)."""
    chosen = status or ([GroupStatus.pending] if "status" not in request.query_params else [])
    page = await groups_page(
        ctx,
        who.user,
        region=region.strip() if region and region.strip() else None,
        kinds=tuple(kind),
        channels=tuple(channel),
        statuses=tuple(chosen),
        limit=200,
    )
    return render(
        request,
        "groups.html",
        who,
        page=page,
        region=region or "",
        kinds=GROUP_KINDS,
        channels=sorted({a.channel for a in ctx.adapters.values()}),
        statuses=[s.value for s in GroupStatus],
        chosen_kinds=kind,
        chosen_channels=channel,
        chosen_statuses=[s.value for s in chosen],
        can_approve=allowed(who.user, Perm.groups_approve),
        can_manage=allowed(who.user, Perm.groups_manage),
    )


def _back_to_groups(request: Request) -> RedirectResponse:
    referer = request.headers.get("referer", "")
    target = "/groups"
    if "/groups" in referer:
        target = "/groups" + referer.split("/groups", 1)[1]
    return RedirectResponse(target, status_code=303)


@router.post("/groups/{group_id}/approve")
async def approve_group(request: Request, ctx: Ctx, who: Approver, group_id: int) -> Response:
    await ctx.directory.set_group_status(who.name, group_id, GroupStatus.active)
    return _back_to_groups(request)


@router.post("/groups/{group_id}/pause")
async def pause_group(request: Request, ctx: Ctx, who: Manager, group_id: int) -> Response:
    await ctx.directory.set_group_status(who.name, group_id, GroupStatus.paused)
    return _back_to_groups(request)


@router.post("/groups/{group_id}/resume")
async def resume_group(request: Request, ctx: Ctx, who: Manager, group_id: int) -> Response:
    await ctx.directory.set_group_status(who.name, group_id, GroupStatus.active)
    return _back_to_groups(request)


@router.post("/groups/{group_id}/remove")
async def remove_group(request: Request, ctx: Ctx, who: Manager, group_id: int) -> Response:
    await ctx.directory.set_group_status(who.name, group_id, GroupStatus.removed)
    return _back_to_groups(request)


@router.get("/announcements/{announcement_id}/results")
async def results_page(
    request: Request, ctx: Ctx, who: Reader, announcement_id: int, level: Level = Level.regency
) -> Response:
    out = await results_out(ctx, who, announcement_id, level)
    return render(
        request,
        "results.html",
        who,
        r=out,
        svg=results_svg(out, _rate_key(request)) if out.rows else "",
        levels=[lv.value for lv in Level],
    )


def _rate_key(request: Request) -> str:
    _ = gettext_for(language(request)).gettext
    return _("Response rate = groups that answered / reached")


@router.get("/announcements/{announcement_id}/results.csv")
async def results_csv(
    ctx: Ctx, who: Reader, announcement_id: int, level: Level = Level.regency
) -> Response:
    out = await results_out(ctx, who, announcement_id, level)
    return results_csv_response(out, f"hasil-{announcement_id}-{level.value}.csv")


@router.get("/audit")
async def audit_page(
    request: Request,
    ctx: Ctx,
    who: Reader,
    type: Annotated[str | None, Query(max_length=40)] = None,
    id: Annotated[str | None, Query(max_length=80)] = None,
) -> Response:
    entries = await visible_audit(ctx.store, who.user, 200, type or None, id or None)
    return render(
        request,
        "audit.html",
        who,
        entries=entries,
        check=await verify_audit(ctx),
        type=type or "",
        id=id or "",
    )
