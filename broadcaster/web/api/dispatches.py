"""Dispatches and their live progress."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from ...auth import Perm
from ..auth import Need, Principal
from ..context import WebContext, web_context
from ..schemas import DispatchOut, IdPath, ProgressOut
from ..views import dispatch_out, progress

router = APIRouter(tags=["dispatches"])
Ctx = Annotated[WebContext, Depends(web_context)]
Reader = Annotated[Principal, Depends(Need(Perm.read))]


@router.get("/dispatches", response_model=list[DispatchOut])
async def list_dispatches(
    ctx: Ctx,
    who: Reader,
    announcement_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[DispatchOut]:
    """Newest first; a scoped caller sees those of announcements visible to them."""
    found = await ctx.store.list_visible_dispatches(
        who.user.scope, who.name, announcement_id, limit
    )
    return [dispatch_out(d) for d in found]


@router.get("/dispatches/{dispatch_id}", response_model=ProgressOut)
async def get_progress(ctx: Ctx, who: Reader, dispatch_id: IdPath) -> ProgressOut:
    """Sent, failed, remaining per channel and per regency; rate and ETA."""
    return await progress(ctx, who, dispatch_id)
