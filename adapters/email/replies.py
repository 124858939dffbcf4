"""Incoming mail → core events: replies, mailto unsubscribes, bounces; auto-replies ignored.

:func:`read_inbound` decides, in this order:

1. **Bounce** (``multipart/report; report-type=delivery-status``, RFC 3464) whose returned
   headers carry one of our signed Message-IDs and whose recipient block says
   ``Action: failed``: a ``left`` event for that address, reason ``bounced: <status>
   <diagnostic>``. Delays (``Action: delayed``) and reports about mail we did not send are
   ignored: a forged report cannot remove a group.
2. **Auto-reply** (``Auto-Submitted`` other than ``no``; ``Precedence: bulk|junk|list|
   auto_reply``; ``X-Autoreply``/``X-Autorespond``; any other report; mail from
   ``MAILER-DAEMON`` or with an empty return path): ignored.
3. **Unsubscribe by mail** (the ``mailto:`` of ``List-Unsubscribe``: subject ``berhenti
   <token>``): a ``berhenti`` command for the address in the signed token.
4. **Hoax report**: a mail to the reply address whose subject starts with LAPOR
   (:mod:`adapters.email.reports`): a ``report`` answered privately to the sender.
5. **Reply**: correlated by ``In-Reply-To``/``References`` (our Message-IDs name their
   recipient) or, when a client dropped those, by the ``+tag`` of our Reply-To address, which
   must match the sender. The text is the new part only (:func:`strip_quoted`). Anything else is
   unrelated mail and ignored.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser
from typing import ClassVar

from broadcaster.adapter import InboundEvent
from broadcaster.errors import InputError

from .compose import UNSUBSCRIBE_WORD
from .links import Signer
from .reports import report_event

_AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_UNSUBSCRIBE = re.compile(rf"^\s*(?:{UNSUBSCRIBE_WORD}|unsubscribe)\s+(\S+)\s*$", re.IGNORECASE)
_MSGID = re.compile(r"<[^<>\s]+>")

# Quote headers: Gmail ("On Mon, 3 Mar 2025 at 10:00, X <x@y> wrote:"), Gmail in Indonesian
# ("Pada Sen, 3 Mar 2025 pukul 10.00 X <x@y> menulis:"), Apple Mail ("On 3 Mar 2025, at 10:00,
# X wrote:"); often wrapped over two lines by the client.
_WROTE = re.compile(r"^(?:>\s*)?(?:on|pada)\b.{0,300}\b(?:wrote|menulis)\s*:\s*$", re.I | re.S)
_DIVIDER = re.compile(
    r"^(?:-{2,}\s*(?:original message|pesan asli|forwarded message|pesan terusan)\s*-{2,}"
    r"|_{10,}|-{10,})\s*$",
    re.IGNORECASE,
)
# Outlook's header block: "From: …" / "Dari: …" followed by Sent/Date/Dikirim/Tanggal lines.
_OUTLOOK_FROM = re.compile(r"^\*?(?:from|dari)\s*:\*?\s", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(
    r"^\*?(?:sent|date|dikirim|tanggal|to|kepada|subject|subjek|perihal)\s*:", re.IGNORECASE
)
_MOBILE = re.compile(
    r"^(?:sent from my|sent from outlook|get outlook for|dikirim dari|kirim dari|"
    r"dikirim melalui|sent via)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Bounce:
    address: str
    status: str
    diagnostic: str
    permanent: bool


def strip_quoted(text: str) -> str:
    """The new part of a reply: everything before the first quote header, original-message
    divider, Outlook header block, signature separator (``-- ``) or "Sent from my …" line;
    ``>`` lines are dropped wherever they are."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        nxt = lines[index + 1].strip() if index + 1 < len(lines) else ""
        if line.rstrip() == "--" or line == "-- ":
            break
        if _WROTE.match(stripped) or (
            re.match(r"^(?:on|pada)\b", stripped, re.I) and _WROTE.match(f"{stripped} {nxt}")
        ):
            break
        if _DIVIDER.match(stripped) or _MOBILE.match(stripped):
            break
        if _OUTLOOK_FROM.match(stripped) and _OUTLOOK_NEXT.match(nxt):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


class _HtmlText(HTMLParser):
    """HTML → text for mail without a text part; quoted blocks (``blockquote``, Gmail's
    ``gmail_quote``, Outlook's ``divRplyFwdMsg``) are left out."""

    _BLOCKS: ClassVar[frozenset[str]] = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"}
    )
    _SKIP: ClassVar[frozenset[str]] = frozenset({"style", "script", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0
        self._stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = " ".join(v or "" for _, v in attrs)
        quoted = tag == "blockquote" or "gmail_quote" in values or "divRplyFwdMsg" in values
        if tag in ("br", "img", "hr", "meta", "link", "input"):
            if tag == "br":
                self.parts.append("\n")
            return
        skip = quoted or tag in self._SKIP
        self._stack.append(skip)
        self._skip_depth += skip
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("br", "img", "hr", "meta", "link", "input") or not self._stack:
            return
        self._skip_depth -= self._stack.pop()
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.strip() for line in text.split("\n")))


def body_text(message: EmailMessage) -> str:
    """The message's text: its text/plain part, else its HTML part as text."""
    part = message.get_body(preferencelist=("plain",))
    if part is not None:
        return str(part.get_content())
    part = message.get_body(preferencelist=("html",))
    if part is not None:
        return html_to_text(str(part.get_content()))
    return ""


def is_auto_reply(message: Message) -> bool:
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    if auto and not auto.startswith("no"):
        return True
    if str(message.get("Precedence", "")).strip().lower() in _AUTO_PRECEDENCE:
        return True
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return True
    if message.get_content_type() == "multipart/report":
        return True
    sender = parseaddr(str(message.get("From", "")))[1].lower()
    return sender.startswith(("mailer-daemon@", "postmaster@")) or (
        str(message.get("Return-Path", "")).strip() == "<>"
    )


def bounce_of(message: EmailMessage, signer: Signer) -> Bounce | None:
    """The failed recipient of a DSN about one of our messages (see the module docstring)."""
    if message.get_content_type() != "multipart/report":
        return None
    if message.get_param("report-type", "", header="content-type") != "delivery-status":
        return None
    recipient: str | None = None
    blocks: list[Message] = []
    for part in message.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            payload = part.get_payload()
            if isinstance(payload, list):
                blocks += [p for p in payload if isinstance(p, Message)]
        elif ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            recipient = recipient or _our_recipient(part, signer)
    if recipient is None:
        return None
    for block in blocks:
        action = str(block.get("Action", "")).strip().lower()
        if not action:
            continue
        final = str(block.get("Final-Recipient", "")).partition(";")[2].strip().lower()
        if final and final != recipient.lower():
            continue
        status = str(block.get("Status", "")).strip()
        diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).partition(";")[2].split())
        return Bounce(recipient, status, diagnostic, action == "failed" and status[:1] == "5")
    return None


def _our_recipient(part: Message, signer: Signer) -> str | None:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        found = payload[0].get("Message-ID")
        text = str(found) if found else ""
    else:
        raw = part.get_payload(decode=True)
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(payload)
        match = re.search(r"^Message-ID:\s*(<[^>]+>)", text, re.IGNORECASE | re.MULTILINE)
        text = match[1] if match else ""
    return signer.recipient_of(text) if text else None


def _event_id(message: Message, raw: bytes) -> str:
    found = str(message.get("Message-ID", "")).strip()
    return found or "sha256:" + hashlib.sha256(raw).hexdigest()


def read_inbound(
    raw: bytes, signer: Signer, account: str, reply_address: str
) -> InboundEvent | None:
    """The core event one incoming mail stands for, or None (see the module docstring)."""
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    event_id = _event_id(parsed, raw)
    bounce = bounce_of(parsed, signer)
    if bounce is not None:
        if not bounce.permanent:
            return None
        reason = " ".join(f"bounced: {bounce.status} {bounce.diagnostic}".split())
        return InboundEvent("left", account, event_id, bounce.address, {"reason": reason})
    if is_auto_reply(parsed):
        return None
    sender = parseaddr(str(parsed.get("From", "")))[1].lower()
    if not sender:
        return None
    match = _UNSUBSCRIBE.match(str(parsed.get("Subject", "")))
    if match is not None:
        try:
            address, _language = signer.unsubscriber(match[1])
        except InputError:
            return None
        data = {"command": UNSUBSCRIBE_WORD, "args": [], "user": address, "is_admin": True}
        return InboundEvent("command", account, event_id, address, data)
    report = report_event(
        parsed,
        account=account,
        event_id=event_id,
        sender=sender,
        reply_address=reply_address,
        text_of=body_text,
        strip=strip_quoted,
    )
    if report is not None:
        return report  # subject LAPOR …: a hoax report (adapters.email.reports)
    group = _correlate(parsed, signer, sender, reply_address)
    if group is None:
        return None
    text = strip_quoted(body_text(parsed))
    if not text:
        return None
    return InboundEvent("reply", account, event_id, group, {"user": sender, "text": text})


def _correlate(
    message: EmailMessage, signer: Signer, sender: str, reply_address: str
) -> str | None:
    references = f"{message.get('In-Reply-To', '')} {message.get('References', '')}"
    for message_id in reversed(_MSGID.findall(references)):
        recipient = signer.recipient_of(message_id)
        if recipient is not None:
            return recipient
    local, _, domain = parseaddr(reply_address)[1].lower().rpartition("@")
    headers = [str(v) for k in ("To", "Cc", "Delivered-To") for v in message.get_all(k, [])]
    for _, address in getaddresses(headers):
        a_local, _, a_domain = address.lower().rpartition("@")
        base, plus, tag = a_local.partition("+")
        if plus and base == local and a_domain == domain and signer.reply_tag_matches(tag, sender):
            return sender
    return None
