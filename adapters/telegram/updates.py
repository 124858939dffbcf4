"""Bot API updates (JSON objects) → the core's :class:`~broadcaster.adapter.InboundEvent`.

One pure function, :func:`map_update`, serves both drivers and both ways updates arrive (long
polling and webhook). It never raises on odd input: anything it does not understand maps to
``None`` (ignored). The rules:

===========================================  ==============================================
update                                       event (``address`` = the chat id)
===========================================  ==============================================
``my_chat_member`` in a group/supergroup:    ``joined`` {title}
the bot became member/administrator (it
was not present before)
``my_chat_member``: the bot (present         ``left`` {}
before) left or was kicked
``message`` with ``migrate_to_chat_id``      ``migrated`` {new_address} (the old chat)
``message`` with ``migrate_from_chat_id``    ``migrated`` {new_address} (the same move, seen
                                             from the new supergroup; the core's second
                                             application finds nothing left to move)
``message`` whose text is a command to us:   ``command`` {command, args, user, title}; the
``/daftar ...`` or ``/daftar@OurBot ...``    adapter adds ``is_admin`` (getChatMember) unless
(``/x@OtherBot`` is ignored)                 an anonymous admin sent it (``is_admin`` True)
``message`` in a group replying to one of    ``reply`` {user, text, reply_to}
the bot's own messages
``/lapor`` (as a reply, or with a text),     ``report`` (or a ``lapor`` how-to ``command``);
or a message forwarded into a private chat   see :mod:`adapters.telegram.reports`
``poll_answer`` (non-anonymous polls)        ``vote`` {poll_id, user, options}; empty
                                             ``options`` = the vote was retracted
``poll`` (counts; anonymous polls too)       ``poll_counts`` {poll_id, counts, closed}
===========================================  ==============================================

Messages sent by bots are ignored, except the migration service messages and an anonymous admin
posting as the group (``sender_chat`` is the group itself). ``user`` is the raw Telegram user id
(the core hashes it at once); an anonymous admin, or a vote cast in the name of a chat, uses
``"chat:<id>"``.

``event_id`` is the update's identity, so the core applies a redelivered update once: it is
``"<bot id>:<update_id>:<subject>"``, where ``subject`` is what the update is about, the chat id
(or the poll id of a vote or poll update). Nothing else of the update's content is part of it: a
server replaying its queue may restamp an update (another ``date``), and a redelivery must still
be recognised. ``update_id`` alone is not enough: Telegram picks a random next id after a week
without updates, and a sandbox emulator restarts at 1 (each with a fresh bot id); the subject
keeps such a reused id from being taken for an update seen before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from broadcaster.adapter import InboundEvent

from .reports import COMMAND as LAPOR
from .reports import report_event

#: The update types the adapter asks for (getUpdates and setWebhook ``allowed_updates``).
ALLOWED_UPDATES: tuple[str, ...] = ("message", "my_chat_member", "poll", "poll_answer")

#: Statuses in which a bot or user is in a chat (``restricted`` only with ``is_member``).
PRESENT = frozenset({"creator", "administrator", "member"})
ADMINS = frozenset({"creator", "administrator"})
GROUP_TYPES = frozenset({"group", "supergroup"})
_COMMAND = re.compile(r"/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{1,64}))?")


@dataclass(frozen=True)
class BotIdentity:
    """Who "we" are on Telegram: the bot's user id and username (from getMe)."""

    id: int
    username: str | None = None


def map_update(update: Mapping[str, Any], account: str, bot: BotIdentity) -> InboundEvent | None:
    """The event for one update, or ``None`` when it means nothing to the core."""
    update_id = _int(update.get("update_id"))
    if update_id is None:
        return None
    base = f"{bot.id}:{update_id}"
    member = _obj(update, "my_chat_member")
    if member is not None:
        return _membership(member, account, base)
    message = _obj(update, "message")
    if message is not None:
        return _message(message, account, base, bot)
    answer = _obj(update, "poll_answer")
    if answer is not None:
        return _vote(answer, account, base)
    poll = _obj(update, "poll")
    if poll is not None:
        return _counts(poll, account, base)
    return None


def command_needs_admin_check(event: InboundEvent) -> bool:
    """Whether the adapter still has to ask getChatMember before handing ``event`` on."""
    if event.kind != "command" or "is_admin" in event.data:
        return False
    return event.data.get("command") != LAPOR  # anyone may report: no admin check


def _membership(update: Mapping[str, Any], account: str, base: str) -> InboundEvent | None:
    chat = _obj(update, "chat")
    new = _obj(update, "new_chat_member")
    if chat is None or new is None or chat.get("type") not in GROUP_TYPES:
        return None
    chat_id = _int(chat.get("id"))
    if chat_id is None:
        return None
    old = _obj(update, "old_chat_member") or {}
    event_id = f"{base}:{chat_id}"
    at = _when(update)
    if _present(new) and not _present(old):
        title = str(chat.get("title") or "")
        return InboundEvent("joined", account, event_id, str(chat_id), {"title": title}, at)
    if _present(old) and not _present(new):
        return InboundEvent("left", account, event_id, str(chat_id), {}, at)
    return None  # promoted or demoted (still there), or never there


def _message(
    message: Mapping[str, Any], account: str, base: str, bot: BotIdentity
) -> InboundEvent | None:
    chat = _obj(message, "chat")
    chat_id = _int(chat.get("id")) if chat is not None else None
    message_id = _int(message.get("message_id"))
    if chat is None or chat_id is None or message_id is None:
        return None
    event_id = f"{base}:{chat_id}"
    at = _when(message)
    moved_to = _int(message.get("migrate_to_chat_id"))
    if moved_to is not None:
        moved = {"new_address": str(moved_to)}
        return InboundEvent("migrated", account, event_id, str(chat_id), moved, at)
    moved_from = _int(message.get("migrate_from_chat_id"))
    if moved_from is not None:
        moved = {"new_address": str(chat_id)}
        return InboundEvent("migrated", account, event_id, str(moved_from), moved, at)
    sender = _obj(message, "from") or {}
    sender_chat = _obj(message, "sender_chat")
    anonymous_admin = sender_chat is not None and _int(sender_chat.get("id")) == chat_id
    if sender.get("is_bot") and not anonymous_admin:
        return None
    user: object = f"chat:{chat_id}" if anonymous_admin else _int(sender.get("id"))
    if user is None:
        return None
    report = report_event(
        message, account=account, event_id=event_id, user=user, username=bot.username, at=at
    )
    if report is not None:
        return report
    text = message.get("text")
    if not isinstance(text, str):
        text = message.get("caption") if isinstance(message.get("caption"), str) else None
    if text is None:
        return None
    words = text.split()
    found = _COMMAND.fullmatch(words[0]) if words else None
    if found is not None:
        target = found.group(2)
        if target is not None and target.lower() != (bot.username or "").lower():
            return None  # a command for another bot in the same group
        data: dict[str, Any] = {
            "command": found.group(1).lower(),
            "args": words[1:],
            "user": user,
            "title": str(chat.get("title") or ""),
        }
        if anonymous_admin:
            data["is_admin"] = True  # only the group's admins can post as the group
        return InboundEvent("command", account, event_id, str(chat_id), data, at)
    replied = _obj(message, "reply_to_message")
    if chat.get("type") in GROUP_TYPES and replied is not None:
        author = _obj(replied, "from") or {}
        if _int(author.get("id")) == bot.id and text.strip():
            reply = {"user": user, "text": text, "reply_to": _int(replied.get("message_id"))}
            return InboundEvent("reply", account, event_id, str(chat_id), reply, at)
    return None


def _vote(answer: Mapping[str, Any], account: str, base: str) -> InboundEvent | None:
    poll_id = answer.get("poll_id")
    # required by the Bot API, empty when retracted (python-telegram-bot drops empty lists)
    options = answer.get("option_ids", [])
    if not isinstance(poll_id, str) or not isinstance(options, list):
        return None
    user_obj = _obj(answer, "user")
    voter_chat = _obj(answer, "voter_chat")
    user: object = None
    if user_obj is not None:
        user = _int(user_obj.get("id"))
    elif voter_chat is not None and _int(voter_chat.get("id")) is not None:
        user = f"chat:{_int(voter_chat.get('id'))}"
    chosen = [value for value in (_int(o) for o in options) if value is not None]
    if user is None:
        return None
    data = {"poll_id": poll_id, "user": user, "options": chosen}
    return InboundEvent("vote", account, f"{base}:{poll_id}", None, data)


def _counts(poll: Mapping[str, Any], account: str, base: str) -> InboundEvent | None:
    poll_id = poll.get("id")
    options = poll.get("options")
    if not isinstance(poll_id, str) or not isinstance(options, list):
        return None
    counts = [
        _int(option.get("voter_count")) or 0 for option in options if isinstance(option, Mapping)
    ]
    data = {"poll_id": poll_id, "counts": counts, "closed": bool(poll.get("is_closed"))}
    return InboundEvent("poll_counts", account, f"{base}:{poll_id}", None, data)


def _present(member: Mapping[str, Any]) -> bool:
    status = member.get("status")
    return status in PRESENT or (status == "restricted" and bool(member.get("is_member")))


def _obj(parent: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = parent.get(key)
    return value if isinstance(value, Mapping) else None


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _when(obj: Mapping[str, Any]) -> datetime | None:
    stamp = _int(obj.get("date"))
    return datetime.fromtimestamp(stamp, UTC) if stamp is not None else None


# -- updates that cannot be read -------------------------------------------------------------


@dataclass(frozen=True)
class Unparsed:
    """A webhook body that is not JSON at all (kept as bytes, to name it by its digest)."""

    body: bytes


#: What each update type we ask for must carry to be read: (field, expected type) pairs.
_REQUIRED: dict[str, tuple[tuple[str, type], ...]] = {
    "message": (("message_id", int), ("chat", Mapping)),
    "my_chat_member": (("chat", Mapping), ("new_chat_member", Mapping)),
    "poll_answer": (("poll_id", str),),
    "poll": (("id", str), ("options", list)),
}


def unreadable(update: object) -> str | None:
    """Why ``update`` cannot be read, or None when it can (an update of a type we did not ask
    for is readable: it is ignored, not an error). The reason names fields, never their
    content, which may hold residents' names and messages."""
    if isinstance(update, Unparsed):
        return "not JSON"
    if not isinstance(update, Mapping):
        return f"not a JSON object but a JSON {_json_type(update)}"
    if not _is_int(update.get("update_id")):
        return "update_id: missing or not an integer"
    for kind, required in _REQUIRED.items():
        if kind not in update:
            continue
        body = update[kind]
        if not isinstance(body, Mapping):
            return f"{kind}: not an object but a JSON {_json_type(body)}"
        for field, expected in required:
            value = body.get(field)
            if not isinstance(value, expected) or isinstance(value, bool):
                return f"{kind}.{field}: missing or not {_type_name(expected)}"
        chat = body.get("chat")
        if isinstance(chat, Mapping) and not _is_int(chat.get("id")):
            return f"{kind}.chat.id: missing or not an integer"
    return None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, Mapping) else type(value).__name__


def _type_name(expected: type) -> str:
    names: dict[type, str] = {int: "an integer", str: "a string", list: "an array"}
    return names.get(expected, "an object")
