"""Dashboard passwords and API tokens: who may set or create them, with audit.

A person may set their own password and manage their own tokens; an admin may do so for users
inside their scope (the same rule as managing users).
"""

from __future__ import annotations

from ..auth import Perm, require
from ..errors import PermissionDenied
from ..store.contract import Store
from ..store.contract_web import ApiToken
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
