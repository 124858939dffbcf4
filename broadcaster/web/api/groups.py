"""Groups (subscriptions) and the region tree with group counts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from content.levels import Level

from ...auth import Perm
from ...store.records import GroupStatus
from ..auth import Need, Principal
from ..context import WebContext, web_context
from ..schemas import GroupIn, GroupOut, GroupPage, IdPath, MoveIn, RegionTree
from ..views import group_out, groups_page, region_tree

router = APIRouter(tags=["groups"])
Ctx = Annotated[WebContext, Depends(web_context)]
Reader = Annotated[Principal, Depends(Need(Perm.read))]
Adder = Annotated[Principal, Depends(Need(Perm.groups_add))]
Approver = Annotated[Principal, Depends(Need(Perm.groups_approve))]
Manager = Annotated[Principal, Depends(Need(Perm.groups_manage))]


@router.get("/groups", response_model=GroupPage)
async def list_groups(
    ctx: Ctx,
    who: Reader,
    region: Annotated[str | None, Query(max_length=40)] = None,
    kind: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies defaults
    channel: Annotated[list[str], Query()] = [],  # noqa: B006
    status: Annotated[list[GroupStatus], Query()] = [],  # noqa: B006
    level: Annotated[list[Level], Query()] = [],  # noqa: B006
    limit: Annotated[int, Query(ge=0, le=1000)] = 100,
) -> GroupPage:
    """Groups under ``region`` (within the caller's scope), filtered; every filter repeats."""
    return await groups_page(
        ctx,
        who.user,
        region=region,
        kinds=tuple(kind),
        channels=tuple(channel),
        statuses=tuple(status),
        levels=tuple(level),
        limit=limit,
    )


@router.post("/groups", response_model=GroupOut, status_code=201)
async def add_group(ctx: Ctx, who: Adder, body: GroupIn) -> GroupOut:
    """Add a group: pending, or active when ``active`` and the caller may approve there."""
    group = await ctx.directory.add_group(
        who.name,
        body.account,
        body.address,
        body.region,
        body.kind,
        body.title,
        body.language,
        GroupStatus.active if body.active else GroupStatus.pending,
    )
    return group_out(group)


@router.post("/groups/{group_id}/approve", response_model=GroupOut)
async def approve_group(ctx: Ctx, who: Approver, group_id: IdPath) -> GroupOut:
    """A pending subscription becomes active (the group is told)."""
    return group_out(await ctx.directory.set_group_status(who.name, group_id, GroupStatus.active))


@router.post("/groups/{group_id}/pause", response_model=GroupOut)
async def pause_group(ctx: Ctx, who: Manager, group_id: IdPath) -> GroupOut:
    return group_out(await ctx.directory.set_group_status(who.name, group_id, GroupStatus.paused))


@router.post("/groups/{group_id}/resume", response_model=GroupOut)
async def resume_group(ctx: Ctx, who: Manager, group_id: IdPath) -> GroupOut:
    return group_out(await ctx.directory.set_group_status(who.name, group_id, GroupStatus.active))


@router.post("/groups/{group_id}/remove", response_model=GroupOut)
async def remove_group(ctx: Ctx, who: Manager, group_id: IdPath) -> GroupOut:
    return group_out(await ctx.directory.set_group_status(who.name, group_id, GroupStatus.removed))


@router.post("/groups/{group_id}/move", response_model=GroupOut)
async def move_group(ctx: Ctx, who: Manager, group_id: IdPath, body: MoveIn) -> GroupOut:
    return group_out(await ctx.directory.move_group(who.name, group_id, body.region))


@router.get("/regions/tree", response_model=RegionTree)
async def get_region_tree(
    ctx: Ctx, who: Reader, under: Annotated[str | None, Query(max_length=40)] = None
) -> RegionTree:
    """A region (without ``under``: the provinces, or for a region-scoped caller their own
    region) and its children, with active groups per channel (only those within the caller's
    scope are counted)."""
    return await region_tree(ctx, under, who.user.scope)
