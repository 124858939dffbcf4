"""The python-telegram-bot 22 driver.

One ``telegram.Bot`` per account with its own ``HTTPXRequest`` pool (sized for the core's
in-flight sends, so a broadcast never waits on the pool). No ``AIORateLimiter``: the core's
limiter is in charge (PTB 22.8's limiter lets a 429 pause be cut short, #5338).

PTB keeps only the text of an error (its ``TelegramError.message`` drops the "Bad Request: "
prefix and lower-cases the rest) and maps the HTTP status to an exception class, so
:func:`_describe` recovers the status from the class, or from the reason phrase PTB keeps for 5xx
answers, and restores the prefix, to give the mapping the same facts the aiogram driver gives it.

httpx logs every request URL at INFO, and a Bot API URL holds the token: a filter on the
``httpx`` logger rewrites ``/bot<token>/`` before any handler sees the record.

An answer that is not JSON (a proxy's HTML "502 Bad Gateway" page) is a transient error like
any 5xx, retried by the caller, who logs it in one line: PTB itself would log the page and a
full traceback for each one (:class:`_Request`).
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Awaitable, Sequence
from datetime import timedelta
from http import HTTPStatus
from typing import Any, ClassVar, TypeVar

import telegram
from telegram import LinkPreviewOptions, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from ..errors import redact, status_from_phrase
from . import ChatId, Driver, DriverOptions, MediaKind, Sent

T = TypeVar("T")
_Description = tuple[str, int | None, float | None, int | None]


class _RedactTokens(logging.Filter):
    """Rewrites bot tokens out of log records (installed once on the loggers that print URLs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class _Request(HTTPXRequest):
    """PTB's HTTPX request, without its ``log.exception`` (a traceback and the whole body) for
    an answer that is not JSON: the error raised for it says enough, in one line."""

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        try:
            data = json.loads(payload.decode("utf-8", "replace"))
        except ValueError:
            raise TelegramError("Invalid server response") from None
        if not isinstance(data, dict):
            raise TelegramError("Invalid server response")
        return data


#: PTB appends the raw body of an answer that is not JSON to the error's message
_NOT_JSON = ". Parsing the server response "


def _install_redaction() -> None:
    for name in ("httpx", "telegram.Bot"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactTokens) for f in logger.filters):
            logger.addFilter(_RedactTokens())


def _quiet_retry_after_deprecation() -> None:
    # PTB 22 warns inside RetryAfter.__init__ itself that `retry_after` will become a timedelta
    # (unless PTB_TIMEDELTA is set, which would change many other attributes process-wide).
    # _seconds reads both forms, so this one warning says nothing to act on; filterwarnings
    # replaces an identical filter, so repeated calls do not pile up.
    warnings.filterwarnings(
        "ignore", message=r".*`retry_after`.*timedelta", category=PTBDeprecationWarning
    )


def _quiet_raw_request_hint() -> None:
    # do_api_request hints that Bot.get_updates / Bot.get_chat_member exist; the raw JSON is
    # what we want (see get_updates), so the hint says nothing to act on
    warnings.filterwarnings(
        "ignore", message=r"Please use 'Bot\.(getUpdates|getChatMember)'", category=UserWarning
    )


class PtbDriver(Driver):
    name: ClassVar[str] = "ptb"

    def __init__(self, token: str, options: DriverOptions) -> None:
        super().__init__(token, options)
        _install_redaction()
        _quiet_retry_after_deprecation()
        _quiet_raw_request_hint()
        timeout = options.request_timeout
        request = _Request(
            connection_pool_size=options.pool_size,
            read_timeout=timeout,
            write_timeout=timeout,
            connect_timeout=timeout,
            pool_timeout=timeout,
        )
        try:
            self._bot = telegram.Bot(token, base_url=f"{options.base_url}/bot", request=request)
        except TelegramError:
            raise self.failed("the bot token is empty or malformed", 401) from None
        self._preview = None if options.link_preview else LinkPreviewOptions(is_disabled=True)
        self._paid = True if options.paid_broadcast else None

    async def start(self) -> None:
        await self._call(self._bot.initialize())

    async def stop(self) -> None:
        await self._bot.shutdown()

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
                options,
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
        params: dict[str, Any] = {
            "limit": limit,
            "timeout": wait_seconds,
            "allowed_updates": list(allowed_updates),
        }
        if offset is not None:
            params["offset"] = offset
        # the JSON as sent (Bot.get_updates would parse the batch, and one update PTB cannot
        # parse would fail all of them); the long poll may take `wait_seconds` on top
        result = await self._call(
            self._bot.do_api_request(
                "getUpdates",
                api_kwargs=params,
                read_timeout=self.options.request_timeout + wait_seconds,
            )
        )
        return list(result) if isinstance(result, list) else []

    async def set_webhook(
        self, url: str, secret_token: str, allowed_updates: Sequence[str]
    ) -> None:
        await self._call(
            self._bot.set_webhook(
                url, secret_token=secret_token, allowed_updates=list(allowed_updates)
            )
        )

    async def delete_webhook(self) -> None:
        await self._call(self._bot.delete_webhook(drop_pending_updates=False))

    async def chat_member_status(self, chat_id: int, user_id: int) -> str:
        # the JSON status: a ChatMember from an older (or newer) server is never a parse error
        member = await self._call(
            self._bot.do_api_request(
                "getChatMember", api_kwargs={"chat_id": chat_id, "user_id": user_id}
            )
        )
        return str(member.get("status", "")) if isinstance(member, dict) else ""

    async def stop_poll(self, chat_id: ChatId, message_id: int) -> None:
        await self._call(self._bot.stop_poll(chat_id, message_id))

    async def _call(self, call: Awaitable[T]) -> T:
        try:
            return await call
        except TelegramError as exc:
            description, status, retry_after, migrate_to = _describe(exc)
            # "from None": PTB's own message can hold the token (InvalidToken at initialize)
            raise self.failed(
                description, status, retry_after=retry_after, migrate_to_chat_id=migrate_to
            ) from None


def _describe(exc: TelegramError) -> _Description:
    """(description, HTTP status or None, retry_after, migrate_to_chat_id) of a PTB error."""
    message = exc.message
    if isinstance(exc, RetryAfter):
        return message, HTTPStatus.TOO_MANY_REQUESTS, _seconds(exc), None
    if isinstance(exc, ChatMigrated):
        return message, HTTPStatus.BAD_REQUEST, None, exc.new_chat_id
    if isinstance(exc, BadRequest):
        # PTB stripped this prefix and capitalised the rest; put the Bot API wording back
        restored = f"Bad Request: {message[:1].lower()}{message[1:]}"
        return restored, HTTPStatus.BAD_REQUEST, None, None
    if isinstance(exc, Forbidden):
        return message, HTTPStatus.FORBIDDEN, None, None
    if isinstance(exc, EndPointNotFound):
        return message, HTTPStatus.NOT_FOUND, None, None
    if isinstance(exc, InvalidToken):
        # PTB raises this for 401 and 404 alike; either way the token/URL was rejected
        return "Unauthorized: the bot token was rejected", HTTPStatus.UNAUTHORIZED, None, None
    if isinstance(exc, Conflict):
        return message, HTTPStatus.CONFLICT, None, None
    if isinstance(exc, TimedOut):
        return f"timed out: {message}", None, None, None
    if isinstance(exc, NetworkError):
        # an HTTP error answer (5xx, 429 without parameters) or no answer at all
        if _NOT_JSON in message:  # keep "Bad Gateway (502)", not the proxy's page
            message = message.split(_NOT_JSON, 1)[0] + " (the answer was not JSON)"
        return message, status_from_phrase(message), None, None
    return message, None, None, None  # e.g. "Invalid server response": nothing usable came


def _seconds(exc: RetryAfter) -> float:
    value = exc.retry_after  # an int, or a timedelta when PTB_TIMEDELTA is set
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _sent(message: Message) -> Sent:
    return Sent(message.message_id, message.poll.id if message.poll is not None else None)
