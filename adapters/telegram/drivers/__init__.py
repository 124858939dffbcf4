"""One Telegram client library behind the few calls the adapter makes.

A :class:`Driver` owns one bot's HTTP client (one per account: nothing is shared between
accounts). Every method either returns what Telegram answered or raises a
:class:`~broadcaster.errors.DeliveryError` built by :func:`adapters.telegram.errors.delivery_error`
from the library's exception: drivers only *describe* a failure (:meth:`Driver.failed`), they
never decide what it means. Neither driver retries or throttles; the core's limiter and sender do.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Literal

from broadcaster.errors import DeliveryError

from ..errors import ProviderFailure, delivery_error, redact
from ..settings import Driver as DriverName

MediaKind = Literal["photo", "document"]


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
    async def send_text(self, chat_id: int, text: str, parse_mode: str | None) -> Sent:
        """``sendMessage``."""

    @abstractmethod
    async def send_poll(
        self,
        chat_id: int,
        question: str,
        options: list[str],
        *,
        is_anonymous: bool,
        allows_multiple_answers: bool,
    ) -> Sent:
        """``sendPoll`` (a regular poll; question and options are plain text)."""

    @abstractmethod
    async def send_media(
        self, chat_id: int, kind: MediaKind, url: str, caption: str, parse_mode: str | None
    ) -> Sent:
        """``sendPhoto``/``sendDocument`` by URL, with a caption (at most 1024 characters)."""


def make_driver(name: DriverName, token: str, options: DriverOptions) -> Driver:
    """A driver of the named library. Imported on demand, so an account only loads the library
    it uses."""
    if name == "ptb":
        from .ptb import PtbDriver

        return PtbDriver(token, options)
    from .aiogram import AiogramDriver

    return AiogramDriver(token, options)
