"""A pool of persistent SMTP connections (aiosmtplib has none of its own).

Each connection carries one transaction at a time, so ``size`` connections send up to ``size``
messages at once. A connection is opened on first use and kept: a broadcast to thousands of
addresses opens ``size`` connections, not thousands. A connection idle longer than
``keepalive`` is checked with NOOP before use (servers drop idle clients); a connection that
failed is closed and replaced on its next use, never reused in an unknown state.

Failures are raised as aiosmtplib / OS exceptions; the caller maps them (adapters.email.errors).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.policy
import ssl
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

#: CRLF line ends, and headers folded only past RFC 5322's hard limit: folding List-Unsubscribe
#: has broken DKIM signatures in relays that re-fold (nodemailer#1654), and the single-line
#: form is what receivers parse most reliably.
WIRE_POLICY = email.policy.SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class SmtpOptions:
    host: str
    port: int
    security: str  # "starttls" | "tls" | "none"
    username: str | None = None
    password: str | None = None
    validate_certs: bool = True
    ca_file: str | None = None
    timeout: float = 30.0
    keepalive: float = 60.0


class _Slot:
    def __init__(self) -> None:
        self.client: aiosmtplib.SMTP | None = None
        self.last_used = 0.0


class SmtpPool:
    """``size`` reusable SMTP connections; see the module docstring."""

    def __init__(self, options: SmtpOptions, size: int) -> None:
        self.options = options
        self.size = size
        self._idle: asyncio.Queue[_Slot] = asyncio.Queue()
        for _ in range(size):
            self._idle.put_nowait(_Slot())
        self._slots: list[_Slot] = []
        self.connections_opened = 0
        self.messages_sent = 0
        self._closed = False

    def _client(self) -> aiosmtplib.SMTP:
        o = self.options
        context: ssl.SSLContext | None = None
        if o.security != "none" and o.ca_file:
            context = ssl.create_default_context(cafile=o.ca_file)
        return aiosmtplib.SMTP(
            hostname=o.host,
            port=o.port,
            username=o.username,
            password=o.password,
            use_tls=o.security == "tls",
            start_tls=o.security == "starttls",
            validate_certs=o.validate_certs,
            tls_context=context,
            timeout=o.timeout,
        )

    async def _ready(self, slot: _Slot) -> aiosmtplib.SMTP:
        client = slot.client
        if client is not None and client.is_connected:
            if time.monotonic() - slot.last_used <= self.options.keepalive:
                return client
            try:
                await client.noop()
                return client
            except (aiosmtplib.SMTPException, OSError):
                self._discard(slot)
        elif client is not None:
            self._discard(slot)
        client = self._client()
        self.connections_opened += 1
        await client.connect()  # EHLO, STARTTLS and AUTH as configured
        slot.client = client
        if slot not in self._slots:
            self._slots.append(slot)
        return client

    @staticmethod
    def _discard(slot: _Slot) -> None:
        client, slot.client = slot.client, None
        if client is not None:
            client.close()

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[aiosmtplib.SMTP]:
        """A connected client for one transaction; a failure inside discards the connection."""
        if self._closed:
            raise aiosmtplib.SMTPServerDisconnected("the SMTP pool is closed")
        slot = await self._idle.get()
        try:
            client = await self._ready(slot)
            yield client
            slot.last_used = time.monotonic()
        except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused):
            # the server answered and aiosmtplib reset the envelope (RSET): the connection is
            # still good unless the server closed it (421)
            if slot.client is None or not slot.client.is_connected:
                self._discard(slot)
            else:
                slot.last_used = time.monotonic()
            raise
        except BaseException:
            self._discard(slot)
            raise
        finally:
            self._idle.put_nowait(slot)

    async def send(self, message: EmailMessage, sender: str, recipient: str) -> None:
        """Send ``message`` to ``recipient`` with ``sender`` as the envelope sender."""
        data = message.as_bytes(policy=WIRE_POLICY)
        async with self.connection() as client:
            await client.sendmail(sender, [recipient], data)
        self.messages_sent += 1

    async def check(self) -> None:
        """Open (or check) one connection now, so a bad host or login shows at start."""
        async with self.connection():
            pass

    async def close(self) -> None:
        """QUIT every open connection. Idempotent."""
        self._closed = True
        for slot in self._slots:
            client, slot.client = slot.client, None
            if client is not None and client.is_connected:
                try:
                    await asyncio.wait_for(client.quit(), 2.0)
                except (aiosmtplib.SMTPException, OSError, TimeoutError):
                    client.close()
        self._slots.clear()
