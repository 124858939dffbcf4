"""The public verification page behind every "Cek keaslian: <link>" line. No login."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from content.markup import parse, to_html

from ...errors import NotFound
from ...portal import PUBLISHED, public_results
from ...store.records import AnnouncementRecord
from ..auth import Public
from ..context import WebContext, web_context
from ..views import public_verification
from .render import language, render

router = APIRouter()
Ctx = Annotated[WebContext, Depends(web_context)]


def withheld(record: AnnouncementRecord | None) -> bool:
    """The announcement went out and publishes its poll's results, but not this table."""
    return (
        record is not None
        and record.content.public_results
        and record.content.poll is not None
        and record.status.value in PUBLISHED
    )


@router.get("/v/{code}", dependencies=[Depends(Public())])
async def verify_page(
    request: Request, ctx: Ctx, code: str, wilayah: str | None = None
) -> Response:
    """The approved text, its source, when and by which roles it was approved, its hash; and
    the poll's results where the announcement publishes them (``?wilayah=`` drills down)."""
    lang = language(request)
    try:
        info = await public_verification(ctx, code[:32], lang)
    except NotFound:
        return render(request, "verify.html", info=None, code=code[:32], status_code=404)
    body_html = to_html(parse(info.body).document)
    record = await ctx.store.find_announcement(info.short_code)
    region = wilayah[:32] if wilayah else None
    min_count = ctx.settings.portal.min_count
    results = await public_results(ctx.store, record, region, lang, min_count) if record else None
    response = render(
        request,
        "verify.html",
        info=info,
        body_html=body_html,
        code=info.short_code,
        results=results,
        # the announcement publishes its results, but not for this region (too few answers)
        results_withheld=results is None and withheld(record),
    )
    response.headers["Cache-Control"] = "no-store"
    return response
