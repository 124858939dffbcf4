"""Announcements: compose, preview, verify, schedule, cancel; their results."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from content.levels import Level
from content.workflow import Status
from schedules.spec import ScheduleSpec

from ...auth import Perm
from ...results import RegionResult, to_csv
from ...store.records import ScheduleRecord
from ..auth import Need, Principal
from ..context import WebContext, web_context
from ..schemas import (
    AnnouncementDetail,
    AnnouncementOut,
    AnnouncementPage,
    CancelIn,
    ChangesOut,
    ContentIn,
    IdPath,
    PreviewOut,
    ReasonIn,
    ResultsOut,
    ScheduleIn,
    ScheduleOut,
)
from ..svg import ChartRow, stacked_chart
from ..views import (
    announcement_detail,
    announcement_out,
    changes,
    preview,
    results_out,
    schedule_out,
)

router = APIRouter(tags=["announcements"])
Ctx = Annotated[WebContext, Depends(web_context)]
Reader = Annotated[Principal, Depends(Need(Perm.read))]
Writer = Annotated[Principal, Depends(Need(Perm.announcements_write))]
Verifier = Annotated[Principal, Depends(Need(Perm.announcements_verify))]
Id = Annotated[int, "announcement id"]


@router.get("/announcements", response_model=AnnouncementPage)
async def list_announcements(
    ctx: Ctx,
    who: Reader,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> AnnouncementPage:
    """Newest first, optionally only those in one status (``submitted``: the queue). A scoped
    caller sees those whose target intersects their region scope, and their own."""
    records = await ctx.store.list_visible_announcements(
        who.user.scope, who.name, status, limit, offset
    )
    return AnnouncementPage(
        items=[announcement_out(ctx, r) for r in records], limit=limit, offset=offset
    )


@router.post("/announcements", response_model=AnnouncementOut, status_code=201)
async def create_announcement(ctx: Ctx, who: Writer, body: ContentIn) -> AnnouncementOut:
    """A new draft (the author's region scope must cover the target)."""
    return announcement_out(ctx, await ctx.workflow.create(who.name, body.content))


@router.post("/preview", response_model=PreviewOut)
async def preview_content(
    ctx: Ctx, who: Writer, body: ContentIn, lang: Annotated[str, Query(pattern="^(id|en)$")] = "id"
) -> PreviewOut:
    """Validation problems and the exact messages each configured channel account would send."""
    return preview(ctx, body.content, lang)


@router.get("/announcements/{announcement_id}", response_model=AnnouncementDetail)
async def get_announcement(ctx: Ctx, who: Reader, announcement_id: IdPath) -> AnnouncementDetail:
    """With approvals, schedules, dispatches and the actions its status allows."""
    return await announcement_detail(ctx, who, announcement_id)


@router.put("/announcements/{announcement_id}", response_model=AnnouncementOut)
async def edit_announcement(
    ctx: Ctx, who: Writer, announcement_id: IdPath, body: ContentIn
) -> AnnouncementOut:
    """Replace the content; voids approvals (back to draft)."""
    return announcement_out(ctx, await ctx.workflow.edit(who.name, announcement_id, body.content))


@router.get("/announcements/{announcement_id}/changes", response_model=ChangesOut)
async def get_changes(ctx: Ctx, who: Reader, announcement_id: IdPath) -> ChangesOut:
    """What changed since the previous version of the content (for verifiers)."""
    return await changes(ctx, who, announcement_id)


@router.post("/announcements/{announcement_id}/submit", response_model=AnnouncementOut)
async def submit(ctx: Ctx, who: Writer, announcement_id: IdPath) -> AnnouncementOut:
    """Submit for verification; every validation problem is listed at once (422)."""
    return announcement_out(ctx, await ctx.workflow.submit(who.name, announcement_id))


@router.post("/announcements/{announcement_id}/approve", response_model=AnnouncementOut)
async def approve(ctx: Ctx, who: Verifier, announcement_id: IdPath) -> AnnouncementOut:
    """Approve (never the author); the last approval needed pins the content hash."""
    return announcement_out(ctx, await ctx.workflow.approve(who.name, announcement_id))


@router.post("/announcements/{announcement_id}/reject", response_model=AnnouncementOut)
async def reject(
    ctx: Ctx, who: Verifier, announcement_id: IdPath, body: ReasonIn
) -> AnnouncementOut:
    return announcement_out(ctx, await ctx.workflow.reject(who.name, announcement_id, body.reason))


@router.post("/announcements/{announcement_id}/cancel", response_model=AnnouncementOut)
async def cancel(ctx: Ctx, who: Writer, announcement_id: IdPath, body: CancelIn) -> AnnouncementOut:
    """Cancel: schedules stop, queued deliveries are cancelled."""
    return announcement_out(ctx, await ctx.workflow.cancel(who.name, announcement_id, body.reason))


@router.post(
    "/announcements/{announcement_id}/schedule", response_model=ScheduleOut, status_code=201
)
async def schedule(ctx: Ctx, who: Writer, announcement_id: IdPath, body: ScheduleIn) -> ScheduleOut:
    """Schedule an approved announcement: ``now``, a local time, or ``cron:M H D M W``."""
    return schedule_out(await schedule_announcement(ctx, who, announcement_id, body.when))


async def schedule_announcement(
    ctx: WebContext, who: Principal, announcement_id: int, when: str
) -> ScheduleRecord:
    tz = ctx.settings.service.timezone
    spec = ScheduleSpec.parse(when, tz, datetime.now(UTC))
    record = await ctx.workflow.schedule(who.name, announcement_id, spec)
    if ctx.on_schedule is not None:
        await ctx.on_schedule()
    return record


@router.get("/announcements/{announcement_id}/results", response_model=ResultsOut)
async def get_results(
    ctx: Ctx, who: Reader, announcement_id: IdPath, level: Level = Level.regency
) -> ResultsOut:
    """Poll answers rolled up to ``level`` (RT → RW → village → district → regency → province)."""
    return await results_out(ctx, who, announcement_id, level)


@router.get(
    "/announcements/{announcement_id}/results.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def get_results_csv(
    ctx: Ctx, who: Reader, announcement_id: IdPath, level: Level = Level.regency
) -> Response:
    out = await results_out(ctx, who, announcement_id, level)
    return results_csv_response(out, f"results-{announcement_id}-{level.value}.csv")


@router.get(
    "/announcements/{announcement_id}/results.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}}}},
)
async def get_results_svg(
    ctx: Ctx, who: Reader, announcement_id: IdPath, level: Level = Level.regency
) -> Response:
    return Response(
        results_svg(await results_out(ctx, who, announcement_id, level)), media_type="image/svg+xml"
    )


def results_csv_response(out: ResultsOut, filename: str) -> Response:
    """The roll-up as a CSV download (the same columns as ``broadcaster results --csv``)."""
    rows = [
        RegionResult(r.region, r.name, r.level, r.groups, tuple(r.counts), r.answered)
        for r in out.rows
    ]
    return Response(
        to_csv(out.options, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def results_svg(out: ResultsOut, rate_label: str | None = None) -> str:
    """The poll chart; ``rate_label`` is the key to the response rates in the reader's
    language (English by default, for the API)."""
    rows = [ChartRow(f"{r.name} ({r.region})", r.counts, r.groups, r.answered) for r in out.rows]
    title = out.question or f"#{out.announcement_id}"
    if rate_label is None:
        return stacked_chart(title, out.options, rows)
    return stacked_chart(title, out.options, rows, rate_label)
