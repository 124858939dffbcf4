"""Self-service in WhatsApp community groups: join/leave events and admin commands.

* ``group.v2.join`` (the number was added to a group) → ``joined`` (the core greets the group
  with the commands, as plain words); ``group.v2.leave`` (removed) → ``left``;
  ``group.v2.participants`` naming the number itself does the same for engines that report it
  that way.
* A group message that is a command (``DAFTAR …``, ``/daftar …``, ``BERHENTI``, any case; see
  :mod:`broadcaster.commands`) becomes a ``command`` event whose ``is_admin`` comes from the
  gateway — ``GET /api/{session}/groups/{id}/participants/v2``, role ``admin`` or
  ``superadmin`` — never from the message. Participants may be listed by their ``@lid`` id
  with the phone id in ``pn``: either matches the message's author.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from broadcaster.adapter import InboundEvent
from broadcaster.commands import parse_command
from broadcaster.errors import DeliveryError

log = logging.getLogger(__name__)

GROUP_EVENTS = ("group.v2.join", "group.v2.leave", "group.v2.participants")
ADMIN_ROLES = ("admin", "superadmin")
REMOVED = "the number was removed from the WhatsApp group"

Call = Callable[[str, str], Awaitable[Any]]


def _at(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def group_events(account: str, envelope: dict[str, Any]) -> Iterator[InboundEvent]:
    """``joined`` / ``left`` from WAHA's group events (others are skipped)."""
    event, payload = envelope.get("event"), envelope.get("payload")
    if not isinstance(payload, dict):
        return
    raw = payload.get("group")
    group: dict[str, Any] = raw if isinstance(raw, dict) else {}
    chat = str(group.get("id") or "")
    if not chat.endswith("@g.us"):
        return
    at = _at(payload.get("timestamp"))
    key = f"{envelope.get('id') or payload.get('timestamp')}"
    if event == "group.v2.join":
        data = {"title": str(group.get("subject") or ""), "plain": True}
        yield InboundEvent("joined", account, f"join:{chat}:{key}", chat, data, at)
    elif event == "group.v2.leave":
        yield InboundEvent("left", account, f"leave:{chat}:{key}", chat, {"reason": REMOVED}, at)
    elif event == "group.v2.participants" and payload.get("type") in ("join", "leave"):
        me = str((envelope.get("me") or {}).get("id") or "")
        ids = {
            str(p.get(k) or "")
            for p in payload.get("participants") or []
            if isinstance(p, dict)
            for k in ("id", "pn")
        }
        if not me or me not in ids:
            return  # somebody else joined or left
        if payload["type"] == "join":
            yield InboundEvent("joined", account, f"join:{chat}:{key}", chat, {"plain": True}, at)
        else:
            data = {"reason": REMOVED}
            yield InboundEvent("left", account, f"leave:{chat}:{key}", chat, data, at)


async def as_command(event: InboundEvent, session: str, call: Call) -> InboundEvent:
    """A group ``reply`` that is a self-service command → a ``command`` event with the author's
    admin status as the gateway reports it; anything else unchanged."""
    if event.kind != "reply" or not (event.address or "").endswith("@g.us"):
        return event
    parsed = parse_command(str(event.data.get("text", "")))
    if parsed is None:
        return event
    assert event.address is not None
    command, args = parsed
    chat = quote(event.address, safe="@.")
    author = str(event.data.get("user") or "")
    try:
        members = await call("GET", f"/api/{session}/groups/{chat}/participants/v2")
    except DeliveryError as exc:
        # without the roles nobody counts as an admin: the command is refused, not trusted
        log.warning("waha: participants of %s not readable: %s", event.address, exc)
        members = []
    role = _role(members, author)
    data: dict[str, Any] = {
        "command": command,
        "args": args,
        "user": author,
        "is_admin": role in ADMIN_ROLES,
        "plain": True,
    }
    if command == "daftar" and role in ADMIN_ROLES:
        try:
            info = await call("GET", f"/api/{session}/groups/{chat}")
            data["title"] = str(info.get("subject") or "") if isinstance(info, dict) else ""
        except DeliveryError:
            data["title"] = ""
    return replace(event, kind="command", data=data)


def _role(members: Any, author: str) -> str | None:
    if not author or not isinstance(members, list):
        return None
    for member in members:
        if isinstance(member, dict) and author in (member.get("id"), member.get("pn")):
            role = member.get("role")
            if role is None and "isAdmin" in member:  # older engines' shape
                role = (
                    "superadmin"
                    if member.get("isSuperAdmin")
                    else ("admin" if member.get("isAdmin") else "participant")
                )
            return str(role) if role is not None else None
    return None
