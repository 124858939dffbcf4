"""The Bot API method registry and the checks every send shares.

A handler receives a :class:`CallContext` and returns an :class:`Answer` or raises
:class:`~adapters.sandbox.telegram.errors.ApiError`. Handlers register under their canonical
camelCase name; lookup is case-insensitive, like Telegram's.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from .community import Community
from .errors import (
    bad_request,
    blocked_by_user,
    cant_initiate,
    chat_not_found,
    kicked,
    migrated,
    not_a_member,
    too_many_requests,
)
from .limits import RateLimiter
from .models import PRESENT, BotRecord, ChatRecord
from .params import Params
from .state import SandboxState
from .stats import SandboxStats, SendRecord

JsonDict = dict[str, Any]


@dataclass(slots=True)
class CallContext:
    """Everything one Bot API call may touch."""

    state: SandboxState
    community: Community
    limiter: RateLimiter
    stats: SandboxStats
    bot: BotRecord
    method: str
    params: Params


@dataclass(frozen=True, slots=True)
class Answer:
    """A successful result; ``description`` is set by methods like setWebhook."""

    result: Any
    description: str | None = None


Handler = Callable[[CallContext], Awaitable[Answer]]
#: lower-case method name → (canonical name, handler)
METHODS: dict[str, tuple[str, Handler]] = {}


def method(name: str) -> Callable[[Handler], Handler]:
    """Register a handler under ``name`` (canonical camelCase)."""

    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = (name, handler)
        return handler

    return register


def target_chat(ctx: CallContext) -> ChatRecord:
    """The chat named by ``chat_id``, after Telegram's access checks.

    Order of refusals: unknown chat (or one the bot never belonged to) → 400 chat not found;
    upgraded group → 400 with ``migrate_to_chat_id``; private chat with a user who blocked the bot
    → 403 blocked, or who never started it → 403 can't initiate; group the bot was removed from →
    403 kicked, or left → 403 not a member.
    """
    chat = ctx.state.find_chat(ctx.params.chat_id())
    if chat is None:
        raise chat_not_found()
    if chat.migrated_to is not None:
        raise migrated(chat.migrated_to)
    status = chat.roster.get(ctx.bot.id)
    if chat.type == "private":
        if status == "kicked":
            raise blocked_by_user()
        if status not in PRESENT:
            raise cant_initiate()
        return chat
    if status is None:
        raise chat_not_found()
    if status == "kicked":
        raise kicked(chat.type)
    if status not in PRESENT:
        raise not_a_member(chat.type)
    return chat


def admit_send(ctx: CallContext, chat: ChatRecord) -> bool:
    """Apply the rate limits to one validated send and count it; returns the paid flag.

    Raises 429 when a window is full (a per-bot overflow also starts a flood block).
    """
    paid = ctx.params.get_bool("allow_paid_broadcast")
    now = time.monotonic()
    limiter, bot_id = ctx.limiter, ctx.bot.id
    throttle = limiter.check_send(bot_id, chat.id, chat.is_group, paid, now)
    if throttle is not None:
        if throttle.reason == "global":
            ctx.stats.flood_blocks[bot_id] += 1
        raise too_many_requests(throttle.retry_after)
    if paid and limiter.over_free_rate(bot_id, now):
        ctx.stats.paid_over_free += 1
    limiter.record_send(bot_id, chat.id, chat.is_group, now)
    ctx.stats.record_send(SendRecord(now, bot_id, chat.id, ctx.method, paid))
    return paid


def reply_target(ctx: CallContext, chat: ChatRecord) -> int | None:
    """The message to reply to, from ``reply_parameters`` or ``reply_to_message_id``."""
    params = ctx.params
    message_id = params.get_int("reply_to_message_id")
    allow_missing = params.get_bool("allow_sending_without_reply")
    reply = params.get_json("reply_parameters")
    if isinstance(reply, dict) and reply.get("message_id") is not None:
        message_id = int(reply["message_id"])
        allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
    if message_id is None:
        return None
    target = chat.messages.get(message_id)
    if target is None or target.deleted:
        if allow_missing:
            return None
        raise bad_request("message to be replied not found")
    return message_id


def reply_markup(ctx: CallContext) -> JsonDict | None:
    """The markup to echo in the returned message (only inline keyboards are echoed)."""
    markup = ctx.params.get_json("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    keyboard = markup.get("inline_keyboard")
    if keyboard is None:
        return None
    if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    for row in keyboard:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request("can't parse inline keyboard button: Text must be a String")
            data = button.get("callback_data")
            if isinstance(data, str) and not 1 <= len(data.encode()) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
    return {"inline_keyboard": keyboard}
