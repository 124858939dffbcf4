"""API tokens: create (the secret is shown once), list, revoke. Everyone manages their own; an
admin also those of the users they manage."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from ...auth import Perm
from ...store.contract import ApiToken
from ..accounts import create_token, revoke_visible_token, visible_tokens
from ..auth import Need, Principal
from ..context import WebContext, web_context
from ..schemas import IdPath, TokenCreated, TokenIn, TokenOut

router = APIRouter(tags=["tokens"])
Ctx = Annotated[WebContext, Depends(web_context)]
Anyone = Annotated[Principal, Depends(Need(Perm.read))]


def token_out(t: ApiToken) -> TokenOut:
    return TokenOut(
        id=t.id,
        user=t.user,
        label=t.label,
        read_only=t.read_only,
        created_at=t.created_at,
        last_used_at=t.last_used_at,
        revoked_at=t.revoked_at,
        active=t.active,
    )


@router.get("/tokens", response_model=list[TokenOut])
async def list_tokens(ctx: Ctx, who: Anyone) -> list[TokenOut]:
    """The caller's tokens (an admin's: also those of the users they manage); never secrets."""
    return [token_out(t) for t in await visible_tokens(ctx.store, who.name)]


@router.post("/tokens", response_model=TokenCreated, status_code=201)
async def add_token(ctx: Ctx, who: Anyone, body: TokenIn) -> TokenCreated:
    """A new token acting as ``user`` (default: the caller). The secret is in this answer only."""
    secret, record = await create_token(
        ctx.store, who.name, body.user or who.name, body.label.strip() or "-", body.read_only
    )
    return TokenCreated(**token_out(record).model_dump(), token=secret)


@router.post("/tokens/{token_id}/revoke", response_model=TokenOut)
async def revoke(ctx: Ctx, who: Anyone, token_id: IdPath) -> TokenOut:
    """Revoke at once (idempotent). Tokens the caller may not manage are 404."""
    return token_out(await revoke_visible_token(ctx.store, who.name, token_id))
