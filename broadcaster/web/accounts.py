"""Dashboard passwords and API tokens: who may set or create them, with audit.

A person may set their own password and manage their own tokens; an admin may do so for users
inside their scope (the same rule as managing users).
"""

from __future__ import annotations

from ..auth import Perm, allowed, require
from ..errors import NotFound, PermissionDenied
from ..store.contract import ApiToken, Store
from ..store.records import AuditRecord, User
from .security import hash_password, new_api_token


async def _may_manage(store: Store, acting: str, name: str) -> tuple[User, User]:
    actor = await store.get_user(acting)
    target = await store.get_user(name)
    if actor.name == target.name:
        if not actor.active:
            raise PermissionDenied(f"user {actor.name!r} is deactivated")
        return actor, target
    require(actor, Perm.users_manage, [target.scope] if target.scope else [])
    if target.scope is None and actor.scope is not None:
        raise PermissionDenied(
            f"{actor.name!r} is scoped to region {actor.scope}; only an installation-wide admin "
            f"can manage {target.name!r}"
        )
    return actor, target


async def set_password(store: Store, acting: str, name: str, password: str) -> None:
    """Set ``name``'s password (ends their open sessions)."""
    actor, target = await _may_manage(store, acting, name)
    digest = await hash_password(password)
    await store.set_password_hash(
        target.name, digest, AuditRecord(actor.name, "user.password", "user", target.name)
    )


async def create_token(
    store: Store, acting: str, name: str, label: str, read_only: bool = False
) -> tuple[str, ApiToken]:
    """A new API token acting as ``name``; the token text is returned once and never stored."""
    actor, target = await _may_manage(store, acting, name)
    token, digest = new_api_token()
    record = await store.add_api_token(
        target.name,
        label,
        digest,
        read_only,
        AuditRecord(
            actor.name,
            "token.add",
            "api_token",
            "",
            {"user": target.name, "label": label, "read_only": read_only},
        ),
    )
    return token, record


async def revoke_token(store: Store, acting: str, token_id: int) -> ApiToken:
    tokens = {t.id: t for t in await store.list_api_tokens()}
    if token_id in tokens:
        await _may_manage(store, acting, tokens[token_id].user)
    return await store.revoke_api_token(
        token_id, AuditRecord(acting, "token.revoke", "api_token", str(token_id))
    )


def can_manage(actor: User, target: User) -> bool:
    """The rule of :func:`_may_manage` without the lookups: oneself, or an admin whose scope
    covers the target's (an unscoped target needs an unscoped admin)."""
    if not actor.active:
        return False
    if actor.name == target.name:
        return True
    if not allowed(actor, Perm.users_manage, [target.scope] if target.scope else []):
        return False
    return target.scope is not None or actor.scope is None


async def visible_tokens(store: Store, acting: str) -> list[ApiToken]:
    """The tokens ``acting`` may see and revoke: their own; an admin's, every user's they
    manage. Oldest first."""
    actor = await store.get_user(acting)
    if not allowed(actor, Perm.users_manage):
        return await store.list_api_tokens(actor.name)
    users = {u.name: u for u in await store.list_users()}
    return [
        t
        for t in await store.list_api_tokens()
        if t.user in users and can_manage(actor, users[t.user])
    ]


async def revoke_visible_token(store: Store, acting: str, token_id: int) -> ApiToken:
    """Revoke a token ``acting`` may manage; any other token is reported as not found, so
    token ids of other people are not disclosed."""
    if token_id not in {t.id for t in await visible_tokens(store, acting)}:
        raise NotFound(f"API token {token_id} does not exist")
    return await revoke_token(store, acting, token_id)
