"""One Telegram client library behind the few calls the adapter makes.

A :class:`Driver` owns one bot's HTTP client (one per account: nothing is shared between
accounts). Every method either returns what Telegram answered or raises a
:class:`~broadcaster.errors.DeliveryError` built by :func:`adapters.telegram.errors.delivery_error`
from the library's exception: drivers only *describe* a failure (:meth:`Driver.failed`), they
never decide what it means. Neither driver retries or throttles; the core's limiter and sender do.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from broadcaster.errors import DeliveryError

from ..errors import ProviderFailure, delivery_error, redact
from ..settings import Driver as DriverName

MediaKind = Literal["photo", "document"]
#: A chat id, or the ``@username`` of a public supergroup or channel.
ChatId = int | str


@dataclass(frozen=True)
class DriverOptions:
    """How a driver talks to the Bot API (taken from the account's settings)."""

    base_url: str  # e.g. "https://api.telegram.org", without "/bot"
    request_timeout: float
    pool_size: int
    paid_broadcast: bool
    link_preview: bool


@dataclass(frozen=True)
class Sent:
    """What Telegram answered for one sent message."""

    message_id: int
    poll_id: str | None = None


class Driver(ABC):
    """One bot's client. ``start`` before sending, ``stop`` after (idempotent)."""

    name: ClassVar[str]

    def __init__(self, token: str, options: DriverOptions) -> None:
        self._token = token
        self.options = options

    def failed(
        self,
        description: str,
        status: int | None = None,
        *,
        retry_after: float | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> DeliveryError:
        """The core error for a failure this driver observed (token removed from the text)."""
        return delivery_error(
            ProviderFailure(
                redact(description, self._token), status, retry_after, migrate_to_chat_id
            )
        )

    @abstractmethod
    async def start(self) -> None:
        """Open the HTTP client and check the token with ``getMe``; raises a DeliveryError
        (401/404 ``provider_code`` when the token or URL is rejected)."""

    @abstractmethod
    async def stop(self) -> None:
        """Close the HTTP client."""

    @abstractmethod
    async def send_text(self, chat_id: ChatId, text: str, parse_mode: str | None) -> Sent:
        """``sendMessage``."""

    @abstractmethod
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
        """``sendPoll`` (a regular poll; question and options are plain text). ``close_date``
        (Unix time, 5 s to 30 days ahead) lets Telegram close the poll by itself."""

    @abstractmethod
    async def send_media(
        self, chat_id: ChatId, kind: MediaKind, url: str, caption: str, parse_mode: str | None
    ) -> Sent:
        """``sendPhoto``/``sendDocument`` by URL, with a caption (at most 1024 characters)."""

    # -- inbound side (updates, onboarding checks, closing polls) -----------------------------

    @abstractmethod
    async def get_me(self) -> tuple[int, str | None]:
        """``getMe``: the bot's user id and username."""

    @abstractmethod
    async def get_updates(
        self,
        offset: int | None,
        wait_seconds: int,
        allowed_updates: Sequence[str],
        limit: int = 100,
    ) -> list[Any]:
        """``getUpdates`` long polling (waits up to ``wait_seconds``); the updates as the
        server sent them (JSON values, not parsed by the library: one update the library could
        not parse must not fail the others), so one tolerant mapping
        (:mod:`adapters.telegram.updates`) serves both drivers."""

    @abstractmethod
    async def set_webhook(
        self, url: str, secret_token: str, allowed_updates: Sequence[str]
    ) -> None:
        """``setWebhook`` with a secret token (sent back in X-Telegram-Bot-Api-Secret-Token)."""

    @abstractmethod
    async def delete_webhook(self) -> None:
        """``deleteWebhook`` keeping pending updates (getUpdates answers 409 while one is set)."""

    @abstractmethod
    async def chat_member_status(self, chat_id: int, user_id: int) -> str:
        """``getChatMember``: the user's status (creator, administrator, member, ...), read
        from the JSON, so a ChatMember shaped by an older or newer Bot API server still
        answers."""

    @abstractmethod
    async def stop_poll(self, chat_id: ChatId, message_id: int) -> None:
        """``stopPoll`` on a poll this bot sent."""


def make_driver(name: DriverName, token: str, options: DriverOptions) -> Driver:
    """A driver of the named library. Imported on demand, so an account only loads the library
    it uses."""
    if name == "ptb":
        from .ptb import PtbDriver

        return PtbDriver(token, options)
    from .aiogram import AiogramDriver

    return AiogramDriver(token, options)
