"""Read the reply mailbox by IMAP (standard-library imaplib, run in a worker thread).

aioimaplib is GPL-3.0, so the blocking standard-library client runs in ``asyncio.to_thread``:
the event loop never waits on the network. Every ``interval`` seconds one session logs in,
fetches the UNSEEN messages (``BODY.PEEK[]``, so nothing is marked read by fetching), hands
each to ``handle`` and marks it ``\\Seen`` only after ``handle`` returned: a crash in between
means the message is read again next time, and the core's inbox drops the repeat (events are
keyed by the mail's Message-ID).
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import logging
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from broadcaster.errors import InboundError

from .settings import ImapSettings

log = logging.getLogger(__name__)

MAX_PER_ROUND = 200


@dataclass(frozen=True)
class Fetched:
    uid: bytes
    raw: bytes


class ImapReader:
    def __init__(self, settings: ImapSettings, password: str, ca_file: str | None = None) -> None:
        self.settings = settings
        self._password = password
        self._ca_file = ca_file

    def _connect(self) -> imaplib.IMAP4:
        s = self.settings
        context = ssl.create_default_context(cafile=self._ca_file)
        client: imaplib.IMAP4
        if s.security == "tls":
            client = imaplib.IMAP4_SSL(s.host, s.port, ssl_context=context, timeout=30)
        else:
            client = imaplib.IMAP4(s.host, s.port, timeout=30)
        try:
            if s.security == "starttls":
                client.starttls(context)
            _check(client.login(s.username, self._password), "LOGIN")
            _check(client.select(_quote(s.mailbox)), f"SELECT {s.mailbox}")
        except BaseException:
            _close(client)
            raise
        return client

    def fetch_unseen(self) -> tuple[imaplib.IMAP4, list[Fetched]]:
        """Blocking: a logged-in session and the unseen messages (at most MAX_PER_ROUND)."""
        client = self._connect()
        try:
            typ, data = client.uid("SEARCH", "UNSEEN")
            _check((typ, data), "SEARCH UNSEEN")
            uids = (data[0] or b"").split()[:MAX_PER_ROUND]
            found: list[Fetched] = []
            for uid in uids:
                typ, parts = client.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
                _check((typ, parts), "FETCH")
                raw = next((p[1] for p in parts if isinstance(p, tuple) and len(p) == 2), None)
                if isinstance(raw, bytes):
                    found.append(Fetched(uid, raw))
            return client, found
        except BaseException:
            _close(client)
            raise

    @staticmethod
    def mark_seen(client: imaplib.IMAP4, uid: bytes) -> None:
        _check(client.uid("STORE", uid.decode(), "+FLAGS", "(\\Seen)"), "STORE \\Seen")

    async def poll_once(self, handle: Callable[[bytes], Awaitable[None]]) -> int:
        """Read the unseen messages once; returns how many were handled."""
        client, found = await asyncio.to_thread(self.fetch_unseen)
        handled = 0
        try:
            for item in found:
                await handle(item.raw)
                await asyncio.to_thread(self.mark_seen, client, item.uid)
                handled += 1
        finally:
            await asyncio.to_thread(_close, client)
        return handled

    async def run(self, handle: Callable[[bytes], Awaitable[None]]) -> None:
        """Poll until cancelled. Server or network failures are logged and retried next round
        (with a growing pause, at most ten intervals)."""
        failures = 0
        while True:
            try:
                await self.poll_once(handle)
                failures = 0
            except (OSError, imaplib.IMAP4.error, InboundError, ssl.SSLError) as exc:
                failures += 1
                log.warning(
                    "IMAP %s@%s:%s failed (%s); retrying",
                    self.settings.username,
                    self.settings.host,
                    self.settings.port,
                    exc,
                )
            await asyncio.sleep(self.settings.interval * min(2**failures, 10))


def _check(result: tuple[str, Sequence[object]], what: str) -> None:
    typ, data = result
    if typ != "OK":
        raise InboundError(f"IMAP {what} failed: {typ} {data!r}")


def _quote(mailbox: str) -> str:
    return mailbox if mailbox.isalnum() else '"' + mailbox.replace('"', '\\"') + '"'


def _close(client: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        client.logout()
