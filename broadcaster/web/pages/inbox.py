"""The moderation inbox page: filter replies, mark them handled, hidden or hoax."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from ...auth import Perm, allowed
from ...store.contract import REPLY_STATUSES
from ..auth import Need, Principal
from ..context import WebContext, web_context
from ..moderation import MODERATE, inbox, moderate
from ..schemas import ReplyStatus
from .render import render

router = APIRouter()
Ctx = Annotated[WebContext, Depends(web_context)]
Reader = Annotated[Principal, Depends(Need(Perm.read, tokens=False))]
Moderator = Annotated[Principal, Depends(Need(MODERATE, tokens=False))]


@router.get("/inbox")
async def inbox_page(
    request: Request,
    ctx: Ctx,
    who: Reader,
    status: Annotated[list[ReplyStatus], Query()] = [],  # noqa: B006 - FastAPI copies defaults
    region: Annotated[str | None, Query(max_length=40)] = None,
    before_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Response:
    """Newest first; by default the replies nobody has looked at yet (``new``)."""
    chosen = list(status) or (["new"] if "status" not in request.query_params else [])
    region = region.strip() if region and region.strip() else None
    items = await inbox(ctx, who.user, chosen, region, 101, before_id)
    return render(
        request,
        "inbox.html",
        who,
        items=items[:100],
        older=items[99].id if len(items) > 100 else None,
        statuses=list(REPLY_STATUSES),
        chosen=chosen,
        region=region or "",
        can_moderate=allowed(who.user, MODERATE),
    )


@router.post("/inbox/{reply_id}/moderate")
async def moderate_form(request: Request, ctx: Ctx, who: Moderator, reply_id: int) -> Response:
    form = await request.form()
    status = str(form.get("status", ""))
    note = str(form.get("note", ""))[:500]
    await moderate(ctx, who.user, reply_id, status, note)
    referer = request.headers.get("referer", "")
    target = "/inbox" + referer.split("/inbox", 1)[1] if "/inbox" in referer else "/inbox"
    return RedirectResponse(target, status_code=303)
