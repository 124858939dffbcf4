"""One-time invitation links: ``broadcaster web invite NAME`` (or the dashboard) makes a link,
valid for 72 hours, where the user sets their own dashboard password.

The link carries the user's name and a fingerprint of their *current* password hash, signed
with the installation's secret and time-stamped. Setting a password changes the hash, so a link
works once; a later invitation makes earlier ones useless too. An expired or deactivated user
cannot use one.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..auth import Perm, require
from ..directory import Directory, _require_scope_over
from ..errors import Expired, InputError, PermissionDenied
from ..expiry import ensure_current
from ..inbox import load_salt
from ..store.contract import Store
from ..store.records import AuditRecord
from .accounts import set_password

INVITE_HOURS = 72
PATH = "/invite/"


def _fingerprint(password_hash: str | None) -> str:
    return hashlib.sha256((password_hash or "none").encode()).hexdigest()[:16]


class Invites:
    def __init__(self, secret: bytes, hours: float = INVITE_HOURS) -> None:
        key = hashlib.sha256(b"broadcaster-invite:" + secret).digest()
        self._serializer = URLSafeTimedSerializer(key, salt="invite")
        self.max_age = int(hours * 3600)

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> Invites:
        return cls(load_salt(data_dir))

    def token(self, name: str, password_hash: str | None) -> str:
        return str(self._serializer.dumps({"u": name, "f": _fingerprint(password_hash)}))

    def read(self, token: str) -> tuple[str, str]:
        """(name, fingerprint); Expired or InputError saying what is wrong with the link."""
        try:
            value = self._serializer.loads(token, max_age=self.max_age)
        except SignatureExpired:
            raise Expired(
                f"this invitation is older than {self.max_age // 3600} hours; ask an admin "
                "for a new one"
            ) from None
        except BadSignature:
            raise InputError("this invitation link is not valid (copied incompletely?)") from None
        if not isinstance(value, dict) or not isinstance(value.get("u"), str):
            raise InputError("this invitation link is not valid")
        return str(value["u"]), str(value.get("f", ""))


async def create_invite(
    directory: Directory, invites: Invites, public_url: str, acting: str, name: str
) -> str:
    """The invitation link for ``name`` (an admin whose scope covers the user)."""
    actor = await directory.actor(acting)
    require(actor, Perm.users_manage)
    store = directory.store
    target = await store.get_user(name)
    _require_scope_over(actor, target.scope, f"user {name!r}")
    if not target.active:
        raise PermissionDenied(f"user {name!r} is deactivated; activate it before inviting")
    await ensure_current(store, target)
    token = invites.token(name, await store.get_password_hash(name))
    await store.audit(
        AuditRecord(actor=actor.name, action="user.invite", object_type="user", object_id=name)
    )
    return f"{public_url.rstrip('/')}{PATH}{token}"


async def check_invite(store: Store, invites: Invites, token: str) -> str:
    """The invited user's name, when the link is still good; else an error saying why."""
    name, fingerprint = invites.read(token)
    user = await store.get_user(name)
    if fingerprint != _fingerprint(await store.get_password_hash(name)):
        raise Expired("this invitation was used already (or a newer password was set)")
    if not user.active:
        raise PermissionDenied(f"user {name!r} is deactivated")
    await ensure_current(store, user)
    return name


async def accept_invite(store: Store, invites: Invites, token: str, password: str) -> str:
    name = await check_invite(store, invites, token)
    await set_password(store, name, name, password)
    return name
