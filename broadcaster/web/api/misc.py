"""The caller, users and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from ...audit_scope import visible_audit
from ...auth import Perm
from ...regions import is_within
from ...store.records import Role, User
from ..auth import Need, Principal
from ..context import WebContext, web_context
from ..schemas import AuditOut, AuditVerifyOut, UserOut
from ..views import verify_audit

router = APIRouter()
Ctx = Annotated[WebContext, Depends(web_context)]
Reader = Annotated[Principal, Depends(Need(Perm.read))]
Admin = Annotated[Principal, Depends(Need(Perm.users_manage))]


def manages(admin: User, user: User) -> bool:
    """An installation-wide admin manages everyone; a scoped one the users within the scope."""
    if admin.scope is None:
        return True
    return user.scope is not None and is_within(user.scope, admin.scope)


def user_out(u: User) -> UserOut:
    return UserOut(name=u.name, role=u.role, scope=u.scope, active=u.active)


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64)
    role: Role
    scope: str | None = Field(None, max_length=40)


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role | None = None
    scope: str | None = Field(None, max_length=40)
    active: bool | None = None


@router.get("/me", response_model=UserOut, tags=["users"])
async def me(who: Reader) -> UserOut:
    """The authenticated caller (the token's or session's user)."""
    return user_out(who.user)


@router.get("/users", response_model=list[UserOut], tags=["users"])
async def list_users(ctx: Ctx, who: Admin) -> list[UserOut]:
    """The users the caller manages: all for an installation-wide admin, else those scoped
    within the admin's region."""
    return [user_out(u) for u in await ctx.store.list_users() if manages(who.user, u)]


@router.post("/users", response_model=UserOut, status_code=201, tags=["users"])
async def add_user(ctx: Ctx, who: Admin, body: UserIn) -> UserOut:
    """Add a user (the admin's scope must cover the new user's scope)."""
    return user_out(await ctx.directory.add_user(who.name, body.name, body.role, body.scope))


@router.patch("/users/{name}", response_model=UserOut, tags=["users"])
async def update_user(ctx: Ctx, who: Admin, name: str, body: UserPatch) -> UserOut:
    return user_out(
        await ctx.directory.update_user(who.name, name, body.role, body.scope, body.active)
    )


@router.get("/audit", response_model=list[AuditOut], tags=["audit"])
async def audit(
    ctx: Ctx,
    who: Reader,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    object_type: Annotated[str | None, Query(alias="type", max_length=40)] = None,
    object_id: Annotated[str | None, Query(alias="id", max_length=80)] = None,
) -> list[AuditOut]:
    """The newest entries the caller may see: who did what to which object. Entries follow
    the caller's scope (announcement targets, group regions); users, tokens and logins are for
    admins only (a scoped admin: the users within their region)."""
    return [
        AuditOut(
            seq=e.seq,
            at=datetime.fromtimestamp(e.at, UTC),
            actor=e.actor,
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            detail=e.detail,
            content_hash=e.content_hash,
            hash=e.hash,
        )
        for e in await visible_audit(ctx.store, who.user, limit, object_type, object_id)
    ]


@router.get("/audit/verify", response_model=AuditVerifyOut, tags=["audit"])
async def audit_verify(ctx: Ctx, who: Reader) -> AuditVerifyOut:
    """Walk the hash chain; name the first altered or missing entry."""
    return await verify_audit(ctx)
