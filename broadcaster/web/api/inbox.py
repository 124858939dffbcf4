"""The moderation inbox: residents' replies, and what moderators decided about them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from ...auth import Perm
from ..auth import Need, Principal
from ..context import WebContext, web_context
from ..moderation import MODERATE, inbox, moderate, reply_out
from ..schemas import IdPath, ModerateIn, ReplyOut, ReplyStatus

router = APIRouter(tags=["inbox"])
Ctx = Annotated[WebContext, Depends(web_context)]
Reader = Annotated[Principal, Depends(Need(Perm.read))]
Moderator = Annotated[Principal, Depends(Need(MODERATE))]


@router.get("/inbox", response_model=list[ReplyOut])
async def list_replies(
    ctx: Ctx,
    who: Reader,
    status: Annotated[list[ReplyStatus], Query()] = [],  # noqa: B006 - FastAPI copies defaults
    region: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> list[ReplyOut]:
    """Residents' replies, newest first (authors as salted hashes), within the caller's region
    scope; filter by status (repeatable) and region; ``before_id`` pages back."""
    found = await inbox(ctx, who.user, status, region, limit, before_id)
    return [reply_out(r) for r in found]


@router.post("/inbox/{reply_id}/moderate", response_model=ReplyOut)
async def moderate_reply(ctx: Ctx, who: Moderator, reply_id: IdPath, body: ModerateIn) -> ReplyOut:
    """Mark a reply ``handled``, ``hidden``, ``hoax`` (needs a note) or ``new`` again; the
    reply's group must lie within the caller's scope. Audited."""
    return reply_out(await moderate(ctx, who.user, reply_id, body.status, body.note))
