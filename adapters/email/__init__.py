"""The email channel: verified announcements to officials', schools' and residents' mailboxes.

One :class:`EmailAdapter` per sending mailbox (``[accounts.NAME]`` with ``adapter = "email"``;
settings in :mod:`adapters.email.settings`, full documentation in docs/email.md).

* ``render`` (:mod:`adapters.email.render`): one ``email`` message per group — subject, plain
  text and safe HTML of the neutral content, and the poll's question and options.
* ``send`` (:mod:`adapters.email.compose`, :mod:`adapters.email.pool`): builds the recipient's
  own ``multipart/alternative`` message (signed Message-ID, Reply-To tag, List-Id,
  List-Unsubscribe https + mailto with List-Unsubscribe-Post, Auto-Submitted, one signed vote
  link per poll option) and sends it over a pool of persistent SMTP connections. SMTP failures
  are mapped in one place (:mod:`adapters.email.errors`). The poll id returned is the random
  part of the Message-ID, unique per (announcement, group).
* ``http_routes`` (:mod:`adapters.email.routes`): vote links and one-click unsubscribe, served
  under ``/hooks/<account>/`` and authenticated by their HMAC signature.
* ``run_inbound`` (:mod:`adapters.email.imap`, :mod:`adapters.email.replies`): reads the reply
  mailbox by IMAP: replies go to the moderation inbox, bounces mark the address removed,
  ``mailto`` unsubscribes pause it, auto-replies are ignored.
* ``sandbox = true``: a local SMTP server (:mod:`adapters.sandbox.email`) runs in-process and
  keeps every message under ``<data_dir>/email/<account>/``.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from email.utils import parseaddr
from typing import TYPE_CHECKING, ClassVar

import aiosmtplib
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
from broadcaster.errors import ConfigError, InputError, PermanentError, TransientError
from content.model import Announcement
from content.validation import PollLimits

from .compose import Composer
from .errors import AUTH_CODES, map_smtp_error
from .imap import ImapReader
from .links import Signer, load_link_secret
from .pool import SmtpOptions, SmtpPool
from .render import KIND, render_email
from .replies import read_inbound
from .routes import email_routes
from .settings import EmailSettings

if TYPE_CHECKING:
    from adapters.sandbox.email import SmtpSandbox

__all__ = ["EmailAdapter"]

log = logging.getLogger(__name__)

#: Polls are links, so any sensible size fits; these keep the message readable.
POLL_LIMITS = PollLimits(question_max=500, options_min=2, options_max=20, option_max=200)
#: A default pace that ordinary submission servers accept; raise it for a relay you run.
DEFAULT_RATE = 20.0
#: After an address unsubscribed, the core's "paused" confirmation is not mailed to it.
QUIET_AFTER_UNSUBSCRIBE = 3600.0
_ADDRESS = re.compile(
    r"[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)


class EmailAdapter(Adapter):
    channel: ClassVar[str] = "email"

    def __init__(self, context: AdapterContext) -> None:
        super().__init__(context)
        self.settings = EmailSettings.parse(context.account, context.settings, context.public_url)
        self._signer: Signer | None = None
        self._pool: SmtpPool | None = None
        self._sandbox: SmtpSandbox | None = None
        self._unsubscribed: dict[str, float] = {}
        self._groups = 0

    # -- contract: data ----------------------------------------------------------------------

    @property
    def limits(self) -> Limits:
        return Limits(global_per_second=DEFAULT_RATE, text_max=1_000_000, poll=POLL_LIMITS)

    @classmethod
    def normalize_address(cls, address: str) -> str:
        """A bare address (``Name <a@b.c>`` is accepted), lower-cased: mailbox names are
        case-insensitive at every provider in practice, and replies must match the group."""
        plain = address.strip().lower()
        # a bare address needs no parsing (parseaddr dominates a 10,000-row groups import)
        bare = plain if _ADDRESS.fullmatch(plain) else parseaddr(address.strip())[1].strip().lower()
        if not _ADDRESS.fullmatch(bare) or len(bare) > 254:
            raise InputError(f"email address {address!r}: use a mailbox such as rt01@example.id")
        return bare

    @property
    def signer(self) -> Signer:
        """The account's link signer (the secret is read on first use)."""
        if self._signer is None:
            s = self.settings
            key = load_link_secret(s.account, s.link_secret_env, self.context.data_dir, s.sandbox)
            self._signer = Signer(key)
        return self._signer

    def render(
        self, announcement: Announcement, language: str, ctx: RenderContext
    ) -> list[ChannelMessage]:
        return render_email(announcement, language, ctx)

    # -- contract: lifecycle -----------------------------------------------------------------

    async def start(self) -> None:
        """Start the sandbox server (sandbox accounts), open the pool and check one connection:
        a refused login is a ConfigError; an unreachable server only a warning (sends retry)."""
        if self._pool is not None:
            return
        s = self.settings
        self.signer  # noqa: B018 - a missing secret must fail at start, not at the first send
        host, port = s.smtp_host, s.smtp_port
        if s.sandbox:
            from adapters.sandbox.email import SmtpSandbox

            folder = self.context.data_dir / "email" / s.account
            sandbox = SmtpSandbox(s.sandbox_port, folder=folder)
            await asyncio.to_thread(sandbox.start)
            self._sandbox, host, port = sandbox, "127.0.0.1", sandbox.port
            log.info(
                "email account %s: sandbox SMTP on 127.0.0.1:%s, mail kept in %s",
                s.account,
                port,
                folder,
            )
        options = SmtpOptions(
            host=host,
            port=port,
            security=s.security,
            username=s.username,
            password=s.smtp_password(),
            validate_certs=s.validate_certs,
            ca_file=s.ca_file,
            timeout=s.timeout,
            keepalive=s.keepalive,
        )
        pool = SmtpPool(options, s.pool_size)
        try:
            await pool.check()
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code in AUTH_CODES:
                await pool.close()
                await self.stop()
                raise ConfigError(
                    f"accounts.{s.account}: the SMTP server {host}:{port} refused the login "
                    f"({exc.code} {exc.message}); check username and password_env"
                ) from None
            log.warning("email account %s: SMTP check failed (%s)", s.account, exc)
        except (aiosmtplib.SMTPException, OSError) as exc:
            log.warning(
                "email account %s: SMTP server %s:%s not reachable at start (%s); "
                "sends will be retried",
                s.account,
                host,
                port,
                exc,
            )
        self._pool = pool

    async def stop(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()
        sandbox, self._sandbox = self._sandbox, None
        if sandbox is not None:
            await asyncio.to_thread(sandbox.stop)

    @property
    def pool(self) -> SmtpPool:
        if self._pool is None:
            raise TransientError(f"email account {self.account!r} is not started")
        return self._pool

    # -- contract: sending -------------------------------------------------------------------

    async def send(self, message: ChannelMessage, address: str) -> SendResult:
        if message.kind != KIND:
            raise PermanentError(f"email cannot send a {message.kind!r} message; kind: email")
        pool = self.pool
        composed = Composer(self.settings, self.signer).compose(message.payload, address)
        await self._submit(pool, composed.message, address)
        return SendResult(composed.message_id, composed.poll_id)

    async def _submit(self, pool: SmtpPool, message: EmailMessage, address: str) -> None:
        sender = parseaddr(self.settings.bounce_address)[1]
        try:
            await pool.send(message, sender, address)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise map_smtp_error(exc, rate_limit_pause=self.settings.rate_limit_pause) from exc

    async def notify(self, address: str, text: str) -> None:
        """A short plain-text service email. An address that unsubscribed within the last
        hour gets none (the page it saw was the confirmation)."""
        try:
            bare = self.normalize_address(address)
        except InputError as exc:
            raise PermanentError(str(exc)) from None
        since = self._unsubscribed.get(bare)
        if since is not None and time.monotonic() - since < QUIET_AFTER_UNSUBSCRIBE:
            log.info(
                "email account %s: no confirmation mail to an unsubscribed address", self.account
            )
            return
        message = Composer(self.settings, self.signer).notice(bare, text)
        await self._submit(self.pool, message, bare)

    # -- contract: inbound -------------------------------------------------------------------

    def _note_unsubscribe(self, address: str) -> None:
        self._unsubscribed[address.lower()] = time.monotonic()

    def http_routes(self, sink: InboundSink) -> list[BaseRoute]:
        """``GET /vote/{token}``, ``GET|POST /unsubscribe/{token}`` (:mod:`.routes`)."""
        return email_routes(self.account, self.signer, sink, self._note_unsubscribe)

    async def run_inbound(self, sink: InboundSink) -> None:
        """Read the reply mailbox by IMAP until cancelled; return at once without
        ``imap_host``."""
        imap = self.settings.imap
        if imap is None:
            return
        reader = ImapReader(imap, imap.password(self.account), self.settings.ca_file)
        await reader.run(self.inbound_handler(sink))

    def inbound_handler(self, sink: InboundSink) -> Callable[[bytes], Awaitable[None]]:
        """The coroutine function that turns one raw incoming mail into a core event."""

        async def handle(raw: bytes) -> None:
            event = read_inbound(raw, self.signer, self.account, self.settings.reply_address)
            if event is None:
                return
            if event.kind == "command" and event.data.get("command") != "lapor" and event.address:
                self._note_unsubscribe(event.address)
            await sink(event)

        return handle

    # -- sandbox -----------------------------------------------------------------------------

    @property
    def sandbox(self) -> SmtpSandbox:
        """The running local SMTP server of a ``sandbox = true`` account."""
        if self._sandbox is None:
            raise ConfigError(f"account {self.account!r} is not a running sandbox account")
        return self._sandbox

    async def sandbox_group(self, title: str) -> str:
        """A made-up mailbox on the sandbox domain for a simulated group (demo, rehearsals)."""
        if not self.settings.sandbox:
            return await super().sandbox_group(title)
        self._groups += 1
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or "grup"
        return f"{slug}-{self._groups}@warga.sandbox.test"
