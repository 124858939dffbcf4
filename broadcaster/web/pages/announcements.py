"""Announcement pages: list, editor with live preview and target picker, detail with the
verification actions, and the verification queue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from content.markup import parse, to_html
from content.model import GROUP_KINDS, Announcement, Level, Priority
from content.workflow import Status

from ...auth import Perm, allowed
from ...errors import ContentInvalid
from ..api.announcements import schedule_announcement
from ..auth import Need, Principal
from ..context import WebContext, web_context
from ..forecast import forecast_context
from ..forms import EMPTY_FORM, content_from_form, form_from_content
from ..views import (
    PREVIEW_CODE,
    announcement_detail,
    announcement_for,
    announcement_out,
    changes,
    preview,
)
from .cap import cap_block
from .render import language, render

router = APIRouter()
Ctx = Annotated[WebContext, Depends(web_context)]
Reader = Annotated[Principal, Depends(Need(Perm.read, tokens=False))]
Writer = Annotated[Principal, Depends(Need(Perm.announcements_write, tokens=False))]
Verifier = Annotated[Principal, Depends(Need(Perm.announcements_verify, tokens=False))]
PAGE = 50
#: statuses whose page shows the reach forecast: before sending (the verifier approves with
#: it in view) and while sending (what remains)
FORECAST_STATUSES = ("draft", "submitted", "approved", "scheduled", "dispatching")


async def _form(request: Request) -> tuple[dict[str, Any], dict[str, list[str]]]:
    form = await request.form()
    single = {k: v for k, v in form.items() if isinstance(v, str)}
    lists = {
        k: [v for v in form.getlist(k) if isinstance(v, str)]
        for k in ("kinds", "channels", "levels")
    }
    return single, lists


def _editor_values(ctx: WebContext) -> dict[str, Any]:
    return {
        "kinds": GROUP_KINDS,
        "levels": [lv.value for lv in Level],
        "priorities": [p.value for p in Priority],
        "channels": sorted({a.channel for a in ctx.adapters.values()}),
    }


@router.get("/announcements")
async def list_page(
    request: Request,
    ctx: Ctx,
    who: Reader,
    status: Status | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    records = await ctx.store.list_visible_announcements(
        who.user.scope, who.name, status, PAGE + 1, (page - 1) * PAGE
    )
    return render(
        request,
        "announcements.html",
        who,
        items=[announcement_out(ctx, r) for r in records[:PAGE]],
        more=len(records) > PAGE,
        page=page,
        status=status.value if status else "",
        statuses=[s.value for s in Status],
        can_write=allowed(who.user, Perm.announcements_write),
    )


@router.get("/queue")
async def queue_page(request: Request, ctx: Ctx, who: Verifier) -> Response:
    """Submitted announcements waiting for verification, each with what changed."""
    records = await ctx.store.list_visible_announcements(
        who.user.scope, who.name, Status.submitted, 50, 0
    )
    items = [
        (announcement_out(ctx, r), await changes(ctx, who, r.id), _bodies(r.content))
        for r in records
    ]
    return render(request, "queue.html", who, items=items)


def _bodies(content: Announcement) -> dict[str, str]:
    """Each language's body as HTML (the neutral markup's own renderer escapes the text)."""
    return {code: to_html(parse(v.body).document) for code, v in content.variants.items()}


@router.get("/announcements/new")
async def new_page(request: Request, ctx: Ctx, who: Writer) -> Response:
    values = dict(EMPTY_FORM)
    if who.user.scope:
        values["regions"] = who.user.scope
    return render(
        request, "editor.html", who, form=values, record=None, problems=[], **_editor_values(ctx)
    )


@router.post("/announcements/new")
async def create(request: Request, ctx: Ctx, who: Writer) -> Response:
    single, lists = await _form(request)
    try:
        content = content_from_form(single, lists, ctx.settings.service.timezone)
        record = await ctx.workflow.create(who.name, content)
    except ContentInvalid as exc:
        values = {**single, **lists}
        return render(
            request,
            "editor.html",
            who,
            form=values,
            record=None,
            problems=exc.problems,
            status_code=422,
            **_editor_values(ctx),
        )
    return RedirectResponse(f"/announcements/{record.id}", status_code=303)


@router.post("/preview")
async def preview_form(
    request: Request,
    ctx: Ctx,
    who: Writer,
    announcement: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> JSONResponse:
    """The editor's live preview: the form as each channel would send it (JSON). Editing a
    saved announcement (``?announcement=ID``) shows its own verification link."""
    single, lists = await _form(request)
    try:
        content = content_from_form(single, lists, ctx.settings.service.timezone)
    except ContentInvalid as exc:
        return JSONResponse({"problems": exc.problems, "channels": []})
    code, number = PREVIEW_CODE, 0
    if announcement is not None:
        record = await announcement_for(ctx, who, announcement)
        code, number = record.short_code, record.id
    out = preview(ctx, content, language(request), code, number)
    return JSONResponse(out.model_dump(mode="json"))


@router.get("/announcements/{announcement_id}")
async def detail_page(request: Request, ctx: Ctx, who: Reader, announcement_id: int) -> Response:
    detail = await announcement_detail(ctx, who, announcement_id)
    lang = language(request)
    bodies = _bodies(detail.content)
    return render(
        request,
        "announcement.html",
        who,
        a=detail,
        bodies=bodies,
        changes=await changes(ctx, who, announcement_id),
        preview=preview(ctx, detail.content, lang, detail.short_code, detail.id),
        can_write=allowed(who.user, Perm.announcements_write, detail.content.target.regions),
        can_verify=allowed(who.user, Perm.announcements_verify, detail.content.target.regions)
        and who.name != detail.author,
        **await cap_block(ctx.store, announcement_id),  # drafted from a CAP warning (issue 15)
        forecast=await forecast_context(ctx, who, announcement_id, lang)
        if detail.status.value in FORECAST_STATUSES
        else None,
    )


@router.get("/announcements/{announcement_id}/edit")
async def edit_page(request: Request, ctx: Ctx, who: Writer, announcement_id: int) -> Response:
    record = await announcement_for(ctx, who, announcement_id)
    values = form_from_content(record.content, ctx.settings.service.timezone)
    return render(
        request,
        "editor.html",
        who,
        form=values,
        record=announcement_out(ctx, record),
        problems=[],
        **_editor_values(ctx),
    )


@router.post("/announcements/{announcement_id}/edit")
async def edit(request: Request, ctx: Ctx, who: Writer, announcement_id: int) -> Response:
    single, lists = await _form(request)
    record = await ctx.store.get_announcement(announcement_id)
    try:
        content = content_from_form(single, lists, ctx.settings.service.timezone)
        await ctx.workflow.edit(who.name, announcement_id, content)
    except ContentInvalid as exc:
        return render(
            request,
            "editor.html",
            who,
            form={**single, **lists},
            record=announcement_out(ctx, record),
            problems=exc.problems,
            status_code=422,
            **_editor_values(ctx),
        )
    return RedirectResponse(f"/announcements/{announcement_id}", status_code=303)


def _back(announcement_id: int) -> RedirectResponse:
    return RedirectResponse(f"/announcements/{announcement_id}", status_code=303)


@router.post("/announcements/{announcement_id}/submit")
async def submit(ctx: Ctx, who: Writer, announcement_id: int) -> Response:
    await ctx.workflow.submit(who.name, announcement_id)
    return _back(announcement_id)


@router.post("/announcements/{announcement_id}/approve")
async def approve(ctx: Ctx, who: Verifier, announcement_id: int) -> Response:
    await ctx.workflow.approve(who.name, announcement_id)
    return RedirectResponse("/queue", status_code=303)


@router.post("/announcements/{announcement_id}/reject")
async def reject(request: Request, ctx: Ctx, who: Verifier, announcement_id: int) -> Response:
    form = await request.form()
    await ctx.workflow.reject(who.name, announcement_id, str(form.get("reason", "")))
    return RedirectResponse("/queue", status_code=303)


@router.post("/announcements/{announcement_id}/cancel")
async def cancel(request: Request, ctx: Ctx, who: Writer, announcement_id: int) -> Response:
    form = await request.form()
    await ctx.workflow.cancel(who.name, announcement_id, str(form.get("reason", "")))
    return _back(announcement_id)


@router.post("/announcements/{announcement_id}/schedule")
async def schedule(request: Request, ctx: Ctx, who: Writer, announcement_id: int) -> Response:
    form = await request.form()
    mode = str(form.get("mode", "now"))
    when = "now"
    if mode == "at":
        when = str(form.get("at", "")).strip()
    elif mode == "cron":
        when = "cron:" + str(form.get("cron", "")).strip()
    await schedule_announcement(ctx, who, announcement_id, when)
    dispatches = await ctx.store.list_dispatches(announcement_id=announcement_id, limit=1)
    if mode == "now" and dispatches:
        return RedirectResponse(f"/dispatches/{dispatches[0].id}", status_code=303)
    return _back(announcement_id)
