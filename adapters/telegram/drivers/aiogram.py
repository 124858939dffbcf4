"""The aiogram 3 driver.

One ``aiogram.Bot`` per account with its own ``AiohttpSession`` (connection limit sized for the
core's in-flight sends). aiogram has no throttling of its own, which is what we want: the core's
limiter is in charge. aiogram keeps the Bot API description verbatim and tells the HTTP status by
exception class, so :func:`_describe` only has to name the status. Updates and chat members are
read as plain JSON (:mod:`.aiogram_raw`): aiogram's strict models must not decide what the
inbound side can read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from http import HTTPStatus
from typing import Any, ClassVar, TypeVar

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    AiogramError,
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import InputPollOption, LinkPreviewOptions, Message
from aiogram.utils.token import TokenValidationError

from ..errors import status_from_phrase
from . import ChatId, Driver, DriverOptions, MediaKind, Sent
from .aiogram_raw import RawGetChatMember, RawGetUpdates

T = TypeVar("T")
_Description = tuple[str, int | None, float | None, int | None]


class AiogramDriver(Driver):
    name: ClassVar[str] = "aiogram"

    def __init__(self, token: str, options: DriverOptions) -> None:
        super().__init__(token, options)
        self._session = AiohttpSession(
            api=TelegramAPIServer.from_base(options.base_url),
            limit=options.pool_size,
            timeout=options.request_timeout,
        )
        try:
            self._bot = Bot(token, session=self._session)
        except TokenValidationError:
            raise self.failed("the bot token is malformed", 401) from None
        self._preview = None if options.link_preview else LinkPreviewOptions(is_disabled=True)
        self._paid = True if options.paid_broadcast else None

    async def start(self) -> None:
        await self._call(self._bot.get_me())

    async def stop(self) -> None:
        await self._session.close()

    async def send_text(self, chat_id: ChatId, text: str, parse_mode: str | None) -> Sent:
        message = await self._call(
            self._bot.send_message(
                chat_id,
                text,
                parse_mode=parse_mode,
                link_preview_options=self._preview,
                allow_paid_broadcast=self._paid,
            )
        )
        return _sent(message)

    async def send_poll(
        self,
        chat_id: ChatId,
        question: str,
        options: list[str],
        *,
        is_anonymous: bool,
        allows_multiple_answers: bool,
        close_date: int | None = None,
    ) -> Sent:
        message = await self._call(
            self._bot.send_poll(
                chat_id,
                question,
                [InputPollOption(text=option) for option in options],
                question_parse_mode=None,
                is_anonymous=is_anonymous,
                allows_multiple_answers=allows_multiple_answers,
                close_date=close_date,
                allow_paid_broadcast=self._paid,
            )
        )
        return _sent(message)

    async def send_media(
        self, chat_id: ChatId, kind: MediaKind, url: str, caption: str, parse_mode: str | None
    ) -> Sent:
        if kind == "photo":
            call = self._bot.send_photo(
                chat_id,
                url,
                caption=caption,
                parse_mode=parse_mode,
                allow_paid_broadcast=self._paid,
            )
        else:
            call = self._bot.send_document(
                chat_id,
                url,
                caption=caption,
                parse_mode=parse_mode,
                allow_paid_broadcast=self._paid,
            )
        return _sent(await self._call(call))

    async def get_me(self) -> tuple[int, str | None]:
        user = await self._call(self._bot.get_me())
        return user.id, user.username

    async def get_updates(
        self,
        offset: int | None,
        wait_seconds: int,
        allowed_updates: Sequence[str],
        limit: int = 100,
    ) -> list[Any]:
        updates = await self._call(
            self._bot(
                RawGetUpdates(
                    offset=offset,
                    limit=limit,
                    timeout=wait_seconds,
                    allowed_updates=list(allowed_updates),
                ),
                # the long poll may take `wait_seconds` on top of an ordinary request
                request_timeout=int(self.options.request_timeout + wait_seconds),
            )
        )
        return list(updates)

    async def set_webhook(
        self, url: str, secret_token: str, allowed_updates: Sequence[str]
    ) -> None:
        await self._call(
            self._bot.set_webhook(
                url=url, secret_token=secret_token, allowed_updates=list(allowed_updates)
            )
        )

    async def delete_webhook(self) -> None:
        await self._call(self._bot.delete_webhook(drop_pending_updates=False))

    async def chat_member_status(self, chat_id: int, user_id: int) -> str:
        member = await self._call(self._bot(RawGetChatMember(chat_id=chat_id, user_id=user_id)))
        return str(member.get("status", ""))

    async def stop_poll(self, chat_id: ChatId, message_id: int) -> None:
        await self._call(self._bot.stop_poll(chat_id=chat_id, message_id=message_id))

    async def _call(self, call: Awaitable[T]) -> T:
        try:
            return await call
        except AiogramError as exc:
            description, status, retry_after, migrate_to = _describe(exc)
            raise self.failed(
                description, status, retry_after=retry_after, migrate_to_chat_id=migrate_to
            ) from None


def _describe(exc: AiogramError) -> _Description:
    """(description, HTTP status or None, retry_after, migrate_to_chat_id) of an aiogram error."""
    if isinstance(exc, TelegramRetryAfter):
        return exc.message, HTTPStatus.TOO_MANY_REQUESTS, float(exc.retry_after), None
    if isinstance(exc, TelegramMigrateToChat):
        return exc.message, HTTPStatus.BAD_REQUEST, None, exc.migrate_to_chat_id
    if isinstance(exc, TelegramEntityTooLarge):  # before TelegramNetworkError, its base class
        return exc.message, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, None, None
    if isinstance(exc, TelegramNetworkError):
        return exc.message, None, None, None  # no answer: timeout or connection failure
    statuses: tuple[tuple[type[TelegramAPIError], int], ...] = (
        (TelegramBadRequest, HTTPStatus.BAD_REQUEST),
        (TelegramUnauthorizedError, HTTPStatus.UNAUTHORIZED),
        (TelegramForbiddenError, HTTPStatus.FORBIDDEN),
        (TelegramNotFound, HTTPStatus.NOT_FOUND),
        (TelegramConflictError, HTTPStatus.CONFLICT),
    )
    for cls, status in statuses:
        if isinstance(exc, cls):
            return exc.message, status, None, None
    if isinstance(exc, TelegramServerError):
        return exc.message, status_from_phrase(exc.message) or 500, None, None
    if isinstance(exc, TelegramAPIError):
        return exc.message, status_from_phrase(exc.message), None, None
    if isinstance(exc, ClientDecodeError):
        # an answer that is not Bot API JSON (a proxy's HTML error page): treat as no answer
        return f"unreadable answer: {exc.message}", None, None, None
    return str(exc), None, None, None


def _sent(message: Message) -> Sent:
    return Sent(message.message_id, message.poll.id if message.poll is not None else None)
