"""Moderating residents' replies: who may, where, and the audit of each decision.

The roles that may moderate are those that vet what comes in from groups (verifier, officer,
admin): the core permission ``groups.approve`` has exactly them, so the route × role walk and
the core table stay the single source. Region scope is checked on the reply's group.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..auth import Perm, require
from ..errors import InputError, PermissionDenied
from ..store.contract import ModeratedReply
from ..store.records import AuditRecord, User
from .context import WebContext
from .schemas import ReplyOut
from .views import scoped_region

MODERATE = Perm.replies_moderate


def reply_out(r: ModeratedReply) -> ReplyOut:
    return ReplyOut(
        id=r.id,
        account=r.account,
        group_id=r.group_id,
        region=r.region,
        author=r.author,
        text=r.text,
        at=r.at,
        status=r.status,
        note=r.note,
        moderated_by=r.moderated_by,
        moderated_at=r.moderated_at,
    )


async def inbox(
    ctx: WebContext,
    user: User,
    statuses: Sequence[str] = (),
    region: str | None = None,
    limit: int = 50,
    before_id: int | None = None,
) -> list[ModeratedReply]:
    """Newest first, within the user's scope (narrowed to ``region`` when given)."""
    scope = scoped_region(user, region)
    return await ctx.store.list_moderated_replies(statuses, scope, limit, before_id)


async def moderate(
    ctx: WebContext, user: User, reply_id: int, status: str, note: str | None
) -> ModeratedReply:
    """Mark a reply handled, hidden, flagged as a hoax (a note is required), or new again."""
    note = (note or "").strip() or None
    if status == "hoax" and note is None:
        raise InputError("flagging a reply as a hoax needs a short note saying why")
    reply = await ctx.store.get_moderated_reply(reply_id)
    if reply.region is None and user.scope is not None:
        raise PermissionDenied(
            f"{user.name!r} is scoped to region {user.scope}; reply {reply_id} comes from an "
            "unknown group"
        )
    require(user, MODERATE, [reply.region] if reply.region else [])
    audit = AuditRecord(
        user.name,
        "reply.moderate",
        "reply",
        str(reply_id),
        {"status": status, "previous": reply.status, "note": note},
    )
    return await ctx.store.moderate_reply(reply_id, status, note, audit)
