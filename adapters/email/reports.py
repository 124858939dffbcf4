"""Hoax reports by e-mail (issue 14): a mail to the reply address whose subject starts with
LAPOR.

* **Addressed to us**: the reply address (``reply_address``, with or without a ``+tag``) is
  among ``To``, ``Cc`` or ``Delivered-To``.
* **Subject**: starts with the word ``LAPOR`` (any case), possibly after forwarding prefixes
  (``Fwd:``, ``Fw:``, ``Tr:``, ``Wg:``, ``Trs:``) — ``LAPOR: kabar banjir``, ``Fwd: LAPOR …``.
* **Text**: when the body holds a forwarded message (a "Forwarded message" / "Pesan
  terusan" divider, or an attached ``message/rfc822``), the forwarded part is the report, without
  its header block; otherwise the new part of the body (quotes and signature stripped, as for
  replies: :func:`adapters.email.replies.strip_quoted`). Failing both, the subject after LAPOR.
* **Media**: the first attachment (any part with a file name, or an image, video, audio or
  application part): ``media`` = ``"sha256:<hex>"`` of its bytes, ``media_hash`` = the hex.
* The answer goes privately to the sender's address (``direct``); ``forwarded`` tells whether
  the content came forwarded (a ``Fwd:`` prefix, a divider, an attached message).

Bounces and auto-replies never get here (:func:`adapters.email.replies.read_inbound` drops them
first).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr

from broadcaster.adapter import InboundEvent

_PREFIX = re.compile(r"^\s*(?:(?:fwd?|fw|tr|trs|wg|re)\s*:\s*)*", re.IGNORECASE)
_FORWARD_PREFIX = re.compile(r"^\s*(?:fwd?|fw|tr|trs|wg)\s*:", re.IGNORECASE)
_LAPOR = re.compile(r"^lapor(?![\w])[\s:.,!-]*", re.IGNORECASE)
_DIVIDER = re.compile(
    r"^-{2,}\s*(?:forwarded message|pesan terusan|pesan yang diteruskan|original message|"
    r"pesan asli)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_HEADER = re.compile(
    r"^\*?(?:from|dari|date|tanggal|sent|dikirim|subject|subjek|perihal|to|kepada|cc)\s*:",
    re.IGNORECASE,
)
MEDIA_TYPES = ("image", "video", "audio", "application")


def lapor_subject(subject: str) -> str | None:
    """The subject after LAPOR (``""`` when bare), or None when it does not start with it."""
    rest = _PREFIX.sub("", subject, count=1)
    found = _LAPOR.match(rest)
    return None if found is None else rest[found.end() :].strip()


def addressed_to(message: Message, reply_address: str) -> bool:
    """Whether the reply address (any ``+tag``) is among To, Cc or Delivered-To."""
    local, _, domain = parseaddr(reply_address)[1].lower().rpartition("@")
    if not local:
        return False
    headers = [str(v) for k in ("To", "Cc", "Delivered-To") for v in message.get_all(k, [])]
    for _, address in getaddresses(headers):
        a_local, _, a_domain = address.lower().rpartition("@")
        if a_local.partition("+")[0] == local and a_domain == domain:
            return True
    return False


def forwarded_part(text: str) -> str | None:
    """The forwarded message inside ``text`` (after its divider, header block dropped, ``>``
    marks removed), or None when ``text`` holds none."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for index, line in enumerate(lines):
        if _DIVIDER.match(line.strip()):
            rest = [ln.removeprefix(">").removeprefix(" ") for ln in lines[index + 1 :]]
            while rest and (not rest[0].strip() or _HEADER.match(rest[0].strip())):
                rest.pop(0)
            return "\n".join(rest).strip()
    return None


def attachment(message: EmailMessage) -> bytes | None:
    """The bytes of the first attached file (see the module docstring), or None."""
    for part in message.walk():
        if part.is_multipart() or part.get_content_type() == "message/rfc822":
            continue
        named = part.get_filename() is not None
        media = part.get_content_maintype() in MEDIA_TYPES
        if named or (media and part.get_content_disposition() in ("attachment", "inline")):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes) and payload:
                return payload
    return None


def attached_message(message: EmailMessage) -> EmailMessage | None:
    for part in message.walk():
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], EmailMessage):
                return inner[0]
    return None


def report_event(
    message: EmailMessage,
    *,
    account: str,
    event_id: str,
    sender: str,
    reply_address: str,
    text_of: Callable[[EmailMessage], str],
    strip: Callable[[str], str],
) -> InboundEvent | None:
    """The ``report`` for a LAPOR mail, or None when ``message`` is none (module docstring).
    ``text_of`` turns a message into its text, ``strip`` removes quotes (the reply path's)."""
    subject = str(message.get("Subject", ""))
    rest = lapor_subject(subject)
    if rest is None or not addressed_to(message, reply_address):
        return None
    body = text_of(message)
    inner = attached_message(message)
    forwarded_text = forwarded_part(body)
    if forwarded_text is None and inner is not None:
        forwarded_text = strip(text_of(inner))
    text = forwarded_text or strip(body) or rest
    content = attachment(message)
    digest = hashlib.sha256(content).hexdigest() if content is not None else None
    forwarded = bool(_FORWARD_PREFIX.match(subject)) or forwarded_text is not None
    data = {
        "user": sender,
        "text": text.strip(),
        "media": None if digest is None else f"sha256:{digest}",
        "media_hash": digest,
        "direct": True,
        "forwarded": forwarded,
        "message_id": event_id,
    }
    if not data["text"] and digest is None:
        howto = {
            "command": "lapor",
            "args": [],
            "user": sender,
            "direct": True,
            "plain": True,
            "howto": "email",
        }
        return InboundEvent("command", account, event_id, sender, howto)
    return InboundEvent("report", account, event_id, sender, data)
