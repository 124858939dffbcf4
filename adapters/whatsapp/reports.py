"""Hoax reports on the WhatsApp Cloud API number (issue 14): ``LAPOR`` → ``report`` events.

A 1:1 chat, so every report is ``direct`` (the acknowledgement and the verdict go back to the
resident). The rules:

* a text that starts with the word ``LAPOR`` (any case, a leading "/" and a ":" allowed) and
  goes on: the rest is the report (``LAPOR Besok listrik padam se-Banten …``);
* an image, video, document or audio whose caption starts with ``LAPOR``: the media (Meta's
  media id in ``media``, its SHA-256 from the webhook, in hex, in ``media_hash``) with the rest
  of the caption;
* ``forwarded`` is True when WhatsApp marked the message ``context.forwarded`` or
  ``context.frequently_forwarded``;
* a forwarded message *accompanied* by LAPOR: WhatsApp forwards a message as it is (a comment
  comes as a separate message), so a bare ``LAPOR`` from the same resident within
  :data:`PAIR_WINDOW` seconds after a forwarded message (or before it) reports that message.
  :class:`SharedPairing` keeps the half that came first in the store (the core's channel
  state, under a SHA-256 of the account and the number), so the two webhooks pair whichever web
  processes behind a balancer receive them; :class:`Pairing` does the same in memory, for an
  adapter run without a store;
* a bare ``LAPOR`` with nothing to pair: a ``lapor`` ``command`` (the core answers a how-to).

"LAPORAN", "laporkan" and "Lapor pak RT" in the middle of a text are no reports: the first
word must be LAPOR itself.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from broadcaster.adapter import InboundEvent

if TYPE_CHECKING:
    from broadcaster.store.contract.channels import ChannelStore

MEDIA_TYPES = ("image", "video", "document", "audio")
#: Seconds within which a bare LAPOR and a forwarded message of one resident belong together.
PAIR_WINDOW = 600.0
#: Residents remembered at most (oldest dropped first), so memory stays bounded.
MAX_PENDING = 10_000
#: The data key under which the parser hands a forwarded message's report to :class:`Pairing`.
FORWARD_KEY = "forwarded_report"
_LAPOR = re.compile(r"^\s*/?lapor(?![\w])[\s:.,!-]*", re.IGNORECASE)
_HEX = re.compile(r"[0-9a-fA-F]{64}")


def lapor_rest(text: str) -> str | None:
    """The text after a leading LAPOR ("" when bare), or None when ``text`` is no report."""
    found = _LAPOR.match(text)
    return None if found is None else text[found.end() :].strip()


def sha256_hex(value: object) -> str | None:
    """Meta's ``sha256`` of a media file (base64, or hex in some payloads) as hex."""
    if not isinstance(value, str) or not value:
        return None
    if _HEX.fullmatch(value):
        return value.lower()
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw.hex() if len(raw) == 32 else None


def content(message: Mapping[str, Any]) -> tuple[str, str | None, str | None] | None:
    """(text or caption, media id, media hash) of a text or media message; None otherwise."""
    kind = message.get("type")
    if kind == "text":
        body = (message.get("text") or {}).get("body", "")
        return str(body), None, None
    if kind in MEDIA_TYPES:
        item = message.get(kind)
        if not isinstance(item, Mapping):
            return None
        media = item.get("id")
        caption = str(item.get("caption") or "")
        return caption, str(media) if media else None, sha256_hex(item.get("sha256"))
    return None


def is_forwarded(message: Mapping[str, Any]) -> bool:
    context = message.get("context")
    if not isinstance(context, Mapping):
        return False
    return bool(context.get("forwarded") or context.get("frequently_forwarded"))


def report_data(
    sender: str, text: str, media: str | None, media_hash: str | None, fwd: bool, mid: str
) -> dict[str, Any]:
    return {
        "user": sender,
        "text": text,
        "media": media,
        "media_hash": media_hash,
        "direct": True,
        "forwarded": fwd,
        "message_id": mid,
    }


def report_event(
    account: str, message: Mapping[str, Any], sender: str, message_id: str, at: datetime | None
) -> InboundEvent | None:
    """The ``report`` or ``lapor`` how-to event of one message, or None (see the module
    docstring; a forwarded message without LAPOR is for :func:`forwarded_report`)."""
    found = content(message)
    if found is None:
        return None
    text, media, media_hash = found
    rest = lapor_rest(text)
    if rest is None:
        return None
    if not rest and media is None:
        howto = {"command": "lapor", "args": [], "user": sender, "direct": True, "plain": True}
        return InboundEvent("command", account, message_id, sender, howto, at)
    fwd = is_forwarded(message)
    data = report_data(sender, rest, media, media_hash, fwd, message_id)
    return InboundEvent("report", account, message_id, sender, data, at)


def forwarded_report(
    message: Mapping[str, Any], sender: str, message_id: str
) -> dict[str, Any] | None:
    """The report data a forwarded message would make when LAPOR accompanies it."""
    found = content(message) if is_forwarded(message) else None
    if found is None or not (found[0].strip() or found[1]):
        return None
    text, media, media_hash = found
    return report_data(sender, text.strip(), media, media_hash, True, message_id)


class Pairing:
    """Joins a forwarded message and a bare LAPOR of the same resident (module docstring)."""

    def __init__(self, window: float = PAIR_WINDOW) -> None:
        self.window = window
        self._forwards: dict[str, tuple[float, dict[str, Any]]] = {}
        self._asked: dict[str, float] = {}

    def apply(self, event: InboundEvent, now: float | None = None) -> InboundEvent:
        """``event`` as the core should see it: a forwarded message's hidden report data
        removed (or turned into the report when LAPOR came first), a bare LAPOR turned into
        the report of the resident's forward of the last minutes."""
        now = time.time() if now is None else now
        sender = event.address or ""
        if FORWARD_KEY in event.data:
            data = dict(event.data)
            pending = data.pop(FORWARD_KEY)
            asked = self._asked.pop(sender, None)
            if asked is not None and now - asked <= self.window:
                return InboundEvent(
                    "report", event.account, event.event_id, sender, pending, event.at
                )
            self._remember(self._forwards, sender, (now, pending))
            return replace(event, data=data)
        if event.kind == "command" and event.data.get("command") == "lapor":
            forward = self._forwards.pop(sender, None)
            if forward is not None and now - forward[0] <= self.window:
                return InboundEvent(
                    "report", event.account, event.event_id, sender, forward[1], event.at
                )
            self._remember(self._asked, sender, now)
        return event

    def _remember(self, table: dict[str, Any], key: str, value: Any) -> None:
        table.pop(key, None)
        table[key] = value
        while len(table) > MAX_PENDING:
            table.pop(next(iter(table)))


def _report(event: InboundEvent, data: dict[str, Any]) -> InboundEvent:
    """The report of a paired forward, named by the event that completed the pair."""
    return InboundEvent("report", event.account, event.event_id, event.address, data, event.at)


class SharedPairing:
    """:class:`Pairing`'s rules, with the waiting halves kept in the store (``channel_state``)
    for every process of the installation: the forward or bare LAPOR that came first is kept
    for :data:`PAIR_WINDOW` seconds (under a hash of account and number, the number left out of
    the forward's data), and taken (atomically: one process gets it) by the other half,
    whichever process receives it."""

    FORWARD = "forward"
    ASKED = "asked"

    def __init__(self, state: ChannelStore, account: str, window: float = PAIR_WINDOW) -> None:
        self.state = state
        self.account = account
        self.window = window

    def key(self, sender: str) -> str:
        return hashlib.sha256(f"{self.account}\x00{sender}".encode()).hexdigest()

    async def apply(self, event: InboundEvent, now: float | None = None) -> InboundEvent:
        """``event`` as the core should see it (see :meth:`Pairing.apply`)."""
        now = time.time() if now is None else now
        key, since = self.key(event.address or ""), now - self.window
        if FORWARD_KEY in event.data:
            data = dict(event.data)
            pending = data.pop(FORWARD_KEY)
            asked = await self.state.take_pending_report(self.account, key, self.ASKED, since)
            if asked is not None:
                return _report(event, pending)
            # kept without the number: the LAPOR that completes it names its sender again
            kept = {k: v for k, v in pending.items() if k != "user"}
            await self.state.keep_pending_report(self.account, key, self.FORWARD, now, kept, since)
            return replace(event, data=data)
        if event.kind == "command" and event.data.get("command") == "lapor":
            forward = await self.state.take_pending_report(self.account, key, self.FORWARD, since)
            if forward is not None:
                return _report(event, {"user": event.address, **forward})
            await self.state.keep_pending_report(self.account, key, self.ASKED, now, {}, since)
        return event
