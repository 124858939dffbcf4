"""Bot API methods whose answers aiogram hands back as plain JSON instead of its strict models.

aiogram validates every answer against the newest Bot API it knows: one update with a field it
cannot parse fails a whole getUpdates batch, and a ChatMember from an older server (without
``can_send_welcome_messages``, say) fails getChatMember. The inbound side reads both answers
itself (:mod:`adapters.telegram.updates`), tolerantly, so these methods declare their result as
plain JSON; aiogram still builds the request and checks the envelope (``ok``, errors).
"""

from __future__ import annotations

from typing import Any

from aiogram.methods.base import TelegramMethod


class RawGetUpdates(TelegramMethod[list[Any]]):
    """``getUpdates``, returning the updates as JSON values."""

    __returning__ = list[Any]
    __api_method__ = "getUpdates"

    offset: int | None = None
    limit: int | None = None
    timeout: int | None = None
    allowed_updates: list[str] | None = None


class RawGetChatMember(TelegramMethod[dict[str, Any]]):
    """``getChatMember``, returning the ChatMember as a JSON object."""

    __returning__ = dict[str, Any]
    __api_method__ = "getChatMember"

    chat_id: int | str
    user_id: int
