"""The API tokens page: one's own tokens (an admin's: also those of the users they manage);
create one (its secret is shown on the answer page only), revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from ...auth import Perm, allowed
from ...errors import InputError
from ..accounts import create_token, revoke_visible_token, visible_tokens
from ..auth import Need, Principal
from ..context import WebContext, web_context
from .render import render

router = APIRouter()
Ctx = Annotated[WebContext, Depends(web_context)]
Anyone = Annotated[Principal, Depends(Need(Perm.read, tokens=False))]


async def _page(
    request: Request, ctx: Ctx, who: Principal, created: str | None = None, status: int = 200
) -> Response:
    users = []
    if allowed(who.user, Perm.users_manage):
        users = [u.name for u in await ctx.store.list_users() if u.active]
    return render(
        request,
        "tokens.html",
        who,
        status_code=status,
        items=await visible_tokens(ctx.store, who.name),
        users=users,
        created=created,
    )


@router.get("/tokens")
async def tokens_page(request: Request, ctx: Ctx, who: Anyone) -> Response:
    return await _page(request, ctx, who)


@router.post("/tokens")
async def add_token(request: Request, ctx: Ctx, who: Anyone) -> Response:
    """Answers with the page itself (no redirect), so the secret is shown exactly once and
    never lands in a URL or the browser history."""
    form = await request.form()
    label = str(form.get("label", "")).strip()[:80]
    user = str(form.get("user", "")).strip()[:64] or who.name
    if not label:
        raise InputError("a token needs a label saying what it is for")
    secret, _ = await create_token(
        ctx.store, who.name, user, label, read_only=form.get("read_only") is not None
    )
    response = await _page(request, ctx, who, created=secret)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/tokens/{token_id}/revoke")
async def revoke(request: Request, ctx: Ctx, who: Anyone, token_id: int) -> Response:
    await revoke_visible_token(ctx.store, who.name, token_id)
    return RedirectResponse("/tokens", status_code=303)
