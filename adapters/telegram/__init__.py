"""The Telegram channel: a bot posts announcements and native polls into community groups.

One :class:`TelegramAdapter` per bot account (``[accounts.NAME]`` with ``adapter = "telegram"``;
settings in :mod:`adapters.telegram.settings`). Several accounts, say one bot per regency, run
side by side in one process: each has its own client, connection pool and, with
``sandbox = true``, its own emulator. The client library is chosen per account (``driver``):
python-telegram-bot 22 or aiogram 3, behind one interface (:mod:`adapters.telegram.drivers`).

* ``render`` writes Telegram HTML split to 4096 characters, then the poll
  (:mod:`adapters.telegram.render`, :mod:`adapters.telegram.split`).
* ``send`` sends one message and maps every failure in one place
  (:mod:`adapters.telegram.errors`): 429 → RateLimited, migrated group → AddressMoved, kicked /
  blocked / chat not found → RecipientGone, timeouts and 5xx → TransientError, other 4xx →
  PermanentError. Markup Telegram cannot parse is resent once as plain text, and the delivery
  records "resent as plain text: <reason>".
* ``limits`` are Telegram's published ones (Bots FAQ): 30 messages/s per bot (1000/s with
  ``allow_paid_broadcast``), one message per second per chat, 20 per minute per group. The core's
  limiter enforces them; ``[accounts.NAME.limits]`` overrides them.

Inbound (:mod:`adapters.telegram.inbound`, mapping in :mod:`adapters.telegram.updates`):
``run_inbound`` long-polls getUpdates (``updates = "polling"``, the default); with
``updates = "webhook"`` ``start`` registers ``webhook_url`` with a secret token and
``http_routes`` serves the endpoint (:mod:`adapters.telegram.webhook`). The bot joining or leaving
a group, group migrations, commands (with ``is_admin`` from getChatMember), votes, anonymous poll
counts and replies to the bot's messages become core events. ``notify`` sends service messages
(welcome, confirmations). Polls close at ``poll.closes_at`` (:mod:`adapters.telegram.polls`).

Polls: anonymous (the default, ``poll_anonymous = true``) protects voters: Telegram tells the bot
only the counts per group (``poll`` updates). Non-anonymous polls show every voter's name to the
whole group, and give one vote per person (``poll_answer``, replaced when changed, removed when
retracted) without a chat id: the core maps the poll id back to its group.

Besides ``text`` and ``poll``, ``send`` accepts ``photo`` and ``document`` messages by URL
(``{"url", "caption", "parse_mode"}``, caption at most 1024 characters): ``render`` sends an
announcement's attachments this way, after its text and before its poll.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from functools import partial
from html import escape
from typing import TYPE_CHECKING, Any, ClassVar

from starlette.routing import BaseRoute

from broadcaster.adapter import (
    Adapter,
    AdapterContext,
    ChannelMessage,
    InboundSink,
    Limits,
    RenderContext,
    SendResult,
)
from broadcaster.errors import (
    AddressMoved,
    ConfigError,
    DeliveryError,
    InputError,
    PermanentError,
    TransientError,
)
from content.model import Announcement
from content.validation import PollLimits

from .drivers import ChatId, Driver, DriverOptions, MediaKind, Sent, make_driver
from .errors import MarkupRejected
from .inbound import TelegramInbound
from .polls import PollCloser
from .render import PARSE_MODE, render_messages
from .sandboxed import AccountSandbox
from .settings import TelegramSettings
from .split import MAX_TEXT, html_to_plain, split_html, utf16_len
from .webhook import webhook_routes

if TYPE_CHECKING:
    from adapters.sandbox.telegram import TelegramSandbox

__all__ = ["TelegramAdapter"]

log = logging.getLogger(__name__)

MAX_CAPTION = 1024
#: Published Bot API limits (Bots FAQ, "My bot is hitting limits").
FREE_RATE, PAID_RATE = 30.0, 1000.0
#: sendPoll: question 1-300 characters, 2-12 options of 1-100 (the emulator's minimum is 2; Bot
#: API 10 accepts 1, but a one-option poll asks nothing).
POLL_LIMITS = PollLimits(question_max=300, options_min=2, options_max=12, option_max=100)
_CHAT_ID = re.compile(r"-?\d{1,16}")
#: A public supergroup's or channel's username: 5-32 letters, digits or "_", starting with a letter.
_USERNAME = re.compile(r"@[A-Za-z][A-Za-z0-9_]{4,31}")
_TOKEN_REJECTED = ("401", "404")


class TelegramAdapter(Adapter):
    channel: ClassVar[str] = "telegram"

    def __init__(self, context: AdapterContext) -> None:
        super().__init__(context)
        self.settings = TelegramSettings.parse(context.account, context.settings)
        s = self.settings
        self._sandbox = AccountSandbox(context.account, s.sandbox_port) if s.sandbox else None
        self._driver: Driver | None = None
        self._inbound = TelegramInbound(context.account, self._started_driver)
        self._closer = PollCloser(context.account, self._stop_poll)
        # a random secret (no webhook_secret_env) is made now; one from the environment is read
        # when needed, so processes that do not serve the webhook (CLI commands, senders) work
        # without the variable
        random_secret = s.updates == "webhook" and s.webhook_secret_env is None
        self._webhook_secret = s.webhook_secret() if random_secret else None
        self._webhook_set = False

    # -- contract: data ----------------------------------------------------------------------

    @property
    def limits(self) -> Limits:
        return Limits(
            global_per_second=PAID_RATE if self.settings.allow_paid_broadcast else FREE_RATE,
            per_address_interval=1.0,
            per_address_per_minute=20,
            text_max=MAX_TEXT,
            poll=POLL_LIMITS,
        )

    @classmethod
    def normalize_address(cls, address: str) -> str:
        """A chat id as Telegram writes it: an integer, negative for groups (``-100…`` for
        supergroups), positive for a private chat; spaces are ignored. Or the ``@username`` of a
        public supergroup or channel (5-32 letters, digits or underscores, starting with a
        letter; case does not matter to Telegram, so it is kept in lower case)."""
        if address.strip().startswith("@"):
            value = address.strip()
            if not _USERNAME.fullmatch(value):
                raise InputError(
                    f"telegram address {address!r}: a public @username has 5-32 letters, digits "
                    "or underscores and starts with a letter, e.g. @info_banten"
                )
            return value.lower()
        value = "".join(address.split())
        if not _CHAT_ID.fullmatch(value) or not 0 < abs(int(value)) < 2**53:
            raise InputError(
                f"telegram address {address!r}: use the chat's numeric id, e.g. -1001234567890 "
                "for a supergroup, -4012345678 for a group, 123456789 for a private chat, or "
                "the @username of a public supergroup or channel"
            )
        return str(int(value))

    def render(
        self, announcement: Announcement, language: str, ctx: RenderContext
    ) -> list[ChannelMessage]:
        """HTML text parts (≤ 4096 characters each), then the poll (see
        :mod:`adapters.telegram.render`)."""
        messages = render_messages(
            announcement,
            language,
            ctx,
            anonymous_default=self.settings.poll_anonymous,
            poll_limits=POLL_LIMITS,
            text_limit=MAX_TEXT,
        )
        closes = announcement.poll.closes_at if announcement.poll is not None else None
        if closes is None:
            return messages
        # the poll's closing time as Unix time: send() passes it on or schedules stopPoll
        return [
            replace(m, payload={**m.payload, "closes_at": closes.timestamp()})
            if m.kind == "poll"
            else m
            for m in messages
        ]

    # -- contract: lifecycle -----------------------------------------------------------------

    async def start(self) -> None:
        """Open the client (starting the emulator first for a sandbox account) and check the
        token with ``getMe``. A rejected token is a ConfigError; an unreachable Bot API only a
        warning, since sends retry on their own."""
        if self._driver is not None:
            return
        s = self.settings
        if self._sandbox is not None:
            base_url, token = await self._sandbox.start(), self._sandbox.token
        else:
            base_url, token = s.base_url, s.token()
        options = DriverOptions(
            base_url, s.request_timeout, s.pool_size, s.allow_paid_broadcast, s.link_preview
        )
        try:
            driver = make_driver(s.driver, token, options)
        except DeliveryError as exc:
            await self.stop()
            raise self._token_error(base_url, exc) from None
        try:
            await driver.start()
        except DeliveryError as exc:
            if exc.provider_code in _TOKEN_REJECTED:
                await driver.stop()
                await self.stop()
                raise self._token_error(base_url, exc) from None
            log.warning(
                "telegram account %s: Bot API at %s not reachable at start (%s); "
                "sends will be retried",
                self.account,
                base_url,
                exc,
            )
        self._driver = driver
        self._closer.start()
        log.info(
            "telegram account %s: %s driver, Bot API %s%s, updates by %s",
            self.account,
            s.driver,
            base_url,
            " (sandbox)" if self._sandbox is not None else "",
            s.updates,
        )
        if self._sandbox is not None:
            log.info(
                "telegram account %s: sandbox emulator at %s; script it with "
                "`broadcaster sandbox --url %s ...`",
                self.account,
                base_url,
                base_url,
            )
        secret = self._hook_secret()
        if s.webhook_url is not None and secret is not None:
            try:
                await self._inbound.register_webhook(s.webhook_url, secret)
                self._webhook_set = True
            except DeliveryError as exc:
                log.warning("telegram account %s: setWebhook failed (%s)", self.account, exc)

    async def stop(self) -> None:
        """Stop closing polls, confirm the updates processed by long polling, close the client
        and the emulator. Idempotent."""
        await self._closer.stop()
        if self._driver is not None and self.settings.updates == "polling":
            await self._inbound.confirm()
        driver, self._driver = self._driver, None
        if driver is not None:
            await driver.stop()
        if self._sandbox is not None:
            await self._sandbox.stop()

    def _token_error(self, base_url: str, exc: DeliveryError) -> ConfigError:
        source = "the sandbox" if self._sandbox else f"${self.settings.token_env}"
        return ConfigError(
            f"accounts.{self.account}: the Bot API at {base_url} rejected the bot token from "
            f"{source} ({exc}); check the token with @BotFather and the base_url"
        )

    # -- contract: sending -------------------------------------------------------------------

    async def send(self, message: ChannelMessage, address: str) -> SendResult:
        """Send one ``text``, ``poll``, ``photo`` or ``document`` message to the chat
        ``address``; raises the DeliveryError :mod:`adapters.telegram.errors` maps to."""
        driver = self._driver
        if driver is None:
            raise TransientError(f"telegram account {self.account!r} is not started")
        try:
            chat_id = _chat_ref(self.normalize_address(address))
        except InputError:
            raise PermanentError(f"telegram address {address!r} is not a chat id") from None
        try:
            sent = await self._send(driver, message, chat_id)
        except MarkupRejected as exc:
            plain = self._as_plain(message)
            if plain is None:
                raise
            sent = await self._send(driver, plain, chat_id)
            return SendResult(str(sent.message_id), sent.poll_id, f"resent as plain text: {exc}")
        return SendResult(str(sent.message_id), sent.poll_id)

    async def _send(self, driver: Driver, message: ChannelMessage, chat_id: ChatId) -> Sent:
        payload = message.payload
        kind = message.kind
        if kind == "text":
            text = _field(payload, "text", kind)
            return await driver.send_text(chat_id, text, _parse_mode(payload))
        if kind == "poll":
            options = payload.get("options")
            if not isinstance(options, list | tuple) or not options:
                raise PermanentError("telegram poll message without options")
            poll = partial(
                driver.send_poll,
                chat_id,
                _field(payload, "question", kind),
                [str(option) for option in options],
                is_anonymous=bool(payload.get("is_anonymous", self.settings.poll_anonymous)),
                allows_multiple_answers=bool(payload.get("allows_multiple_answers", False)),
            )
            return await self._closer.send(poll, chat_id, payload.get("closes_at"))
        if kind in ("photo", "document"):
            media: MediaKind = "photo" if kind == "photo" else "document"
            caption = str(payload.get("caption") or "")
            url = _field(payload, "url", kind)
            return await driver.send_media(chat_id, media, url, caption, _parse_mode(payload))
        raise PermanentError(
            f"telegram cannot send a {kind!r} message; kinds: text, poll, photo, document"
        )

    @staticmethod
    def _as_plain(message: ChannelMessage) -> ChannelMessage | None:
        """The same message without markup (tags dropped, entities decoded), or None when it
        had no markup to drop. Link addresses are kept in brackets when they still fit."""
        key, limit = ("text", MAX_TEXT) if message.kind == "text" else ("caption", MAX_CAPTION)
        source = message.payload.get(key)
        if message.kind not in ("text", "photo", "document") or not isinstance(source, str):
            return None
        if _parse_mode(message.payload) is None:
            return None
        plain = html_to_plain(source)
        if utf16_len(plain.strip()) > limit:
            plain = html_to_plain(source, keep_links=False)
        payload: dict[str, Any] = {**message.payload, key: plain, "parse_mode": None}
        return replace(message, payload=payload)

    # -- contract: inbound and service messages ---------------------------------------------

    async def run_inbound(self, sink: InboundSink) -> None:
        """Long polling until cancelled (``updates = "polling"``); with a webhook, make sure it
        is registered and return; with ``updates = "off"`` return at once."""
        s = self.settings
        if s.updates == "polling":
            await self._inbound.poll(sink)
        elif s.updates == "webhook" and not self._webhook_set:
            secret = self._hook_secret()
            if secret is None:
                log.info(
                    "telegram account %s: $%s is not set here, so the process serving the "
                    "webhook registers it",
                    self.account,
                    s.webhook_secret_env,
                )
                return
            assert s.webhook_url is not None
            await self._inbound.keep_webhook(s.webhook_url, secret)
            self._webhook_set = True

    def http_routes(self, sink: InboundSink) -> list[BaseRoute]:
        """``POST /telegram`` for ``updates = "webhook"`` (see :mod:`adapters.telegram.webhook`);
        no routes otherwise. Serving the webhook needs its secret: ConfigError when
        ``webhook_secret_env`` names an unset (or invalid) variable."""
        if self.settings.updates != "webhook":
            return []
        if self._webhook_secret is None:
            self._webhook_secret = self.settings.webhook_secret()

        async def handle(update: Any) -> None:
            await self._inbound.receive(update, sink)

        return webhook_routes(self.account, self._webhook_secret, handle)

    async def notify(self, address: str, text: str) -> None:
        """Send ``text`` to the chat as it is (HTML-escaped, split at 4096 characters). Errors
        are those of :meth:`send` (the core keeps a notice on TransientError and RateLimited and
        tries again later); a migrated group gets the message at its new id."""
        try:
            driver = self._started_driver()
            chat_id = _chat_ref(self.normalize_address(address))
            for part in split_html(escape(text, quote=False), MAX_TEXT):
                try:
                    await driver.send_text(chat_id, part, PARSE_MODE)
                except AddressMoved as moved:
                    chat_id = _chat_ref(moved.new_address)
                    await driver.send_text(chat_id, part, PARSE_MODE)
        except InputError as exc:
            raise PermanentError(str(exc)) from None

    def _hook_secret(self) -> str | None:
        """The webhook secret, or None without webhooks or when ``webhook_secret_env`` is unset
        or invalid in this process (then it neither serves nor registers the webhook)."""
        if self.settings.updates != "webhook":
            return None
        if self._webhook_secret is None:
            try:
                self._webhook_secret = self.settings.webhook_secret()
            except ConfigError:
                return None
        return self._webhook_secret

    def _started_driver(self) -> Driver:
        if self._driver is None:
            raise TransientError(f"telegram account {self.account!r} is not started")
        return self._driver

    async def _stop_poll(self, chat_id: ChatId, message_id: int) -> None:
        await self._started_driver().stop_poll(chat_id, message_id)

    # -- sandbox -----------------------------------------------------------------------------

    @property
    def sandbox(self) -> TelegramSandbox:
        """The running emulator of a ``sandbox = true`` account (to script residents, inject
        faults and read what arrived); ConfigError for other accounts."""
        if self._sandbox is None:
            raise ConfigError(f"account {self.account!r} is not a sandbox account")
        return self._sandbox.server

    async def sandbox_group(self, title: str) -> str:
        """A new simulated group (with a simulated admin who added this bot) on the account's
        emulator; returns its chat id, ready to send to."""
        if self._sandbox is None:
            return await super().sandbox_group(title)
        return str(self._sandbox.create_group(title))


def _chat_ref(address: str) -> ChatId:
    """The Bot API ``chat_id`` of a normalised address: the number, or the ``@username``."""
    return address if address.startswith("@") else int(address)


def _field(payload: Any, key: str, kind: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str):
        raise PermanentError(f"telegram {kind} message without a {key!r} text")
    return value


def _parse_mode(payload: Any) -> str | None:
    mode = payload.get("parse_mode")
    return str(mode) if mode else None
