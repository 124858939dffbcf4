"""Hoax reports on Telegram (issue 14): ``/lapor`` and forwards → ``report`` events.

The rules (:func:`report_event`; the event's ``data`` follows the hoax desk's interface, see
docs/hoax-reporting.md):

=============================================  ================================================
message                                        event
=============================================  ================================================
in a group, ``/lapor`` or ``/lapor@OurBot``    ``report`` of the replied-to message: its text
*replying* to a message                        or caption and its media; ``direct`` False (the
                                               acknowledgement goes to the group)
in a group, ``/lapor <teks>`` without reply    ``report`` of the text after the command
in a group, a bare ``/lapor`` without reply    ``command`` {command "lapor"}: the core answers
                                               with a short how-to
in a private chat, ``/lapor <teks>``,          ``report``, ``direct`` True (answered in the
``/lapor`` replying to a message, or a photo   private chat)
whose caption starts with ``/lapor``
in a private chat, a forwarded message         ``report`` of it, ``forwarded`` True
(``forward_origin``, or the older
``forward_from``/``forward_from_chat``/
``forward_sender_name``/``forward_date``)
in a private chat, a bare ``/lapor``           ``command`` {command "lapor", direct True}
=============================================  ================================================

The media of a report is the ``file_unique_id`` of the largest photo size, or of the document,
video, animation, voice note, audio or video note: the same file forwarded by many residents has
one ``file_unique_id``, so the hoax desk can join their reports. Telegram does not hand out the
bytes' hash, so ``media_hash`` stays None. A ``/lapor`` for another bot (``/lapor@OtherBot``) is
not ours. With privacy mode on (BotFather's default) a bot still receives ``/lapor`` in groups:
commands reach it, with the message they reply to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from broadcaster.adapter import InboundEvent

COMMAND = "lapor"
_LAPOR = re.compile(r"^/lapor(?:@([A-Za-z0-9_]{1,64}))?(?=\s|$)", re.IGNORECASE)
#: Media kinds whose single file object carries a ``file_unique_id``.
MEDIA_FIELDS = ("document", "video", "animation", "voice", "audio", "video_note")
FORWARD_FIELDS = (
    "forward_origin",
    "forward_from",
    "forward_from_chat",
    "forward_sender_name",
    "forward_date",
)


def lapor_args(text: str | None, username: str | None) -> str | None:
    """The text after ``/lapor`` (``""`` when bare) when ``text`` is our /lapor command, else
    None (not a command, or one for another bot)."""
    if not text:
        return None
    found = _LAPOR.match(text.lstrip())
    if found is None:
        return None
    target = found.group(1)
    if target is not None and target.lower() != (username or "").lower():
        return None
    return text.lstrip()[found.end() :].strip()


def report_event(
    message: Mapping[str, Any],
    *,
    account: str,
    event_id: str,
    user: object,
    username: str | None,
    at: datetime | None,
) -> InboundEvent | None:
    """The ``report`` (or ``lapor`` how-to ``command``) event for ``message``, or None when
    it is neither (see the module docstring)."""
    chat = message.get("chat")
    if not isinstance(chat, Mapping):
        return None
    kind = chat.get("type")
    private = kind == "private"
    if not private and kind not in ("group", "supergroup"):
        return None
    address = str(chat.get("id"))
    args = lapor_args(_text(message), username)
    if args is None:
        if not (private and forwarded(message)):
            return None
        text, media = content(message)
        if not text and media is None:
            return None  # a forwarded poll, sticker, location...: nothing to check
        data = _data(user, text, media, private, True, message.get("message_id"))
        return InboundEvent("report", account, event_id, address, data, at)
    replied = message.get("reply_to_message")
    if isinstance(replied, Mapping):
        text, media = content(replied)
        if text or media is not None:
            data = _data(user, text, media, private, forwarded(replied), replied.get("message_id"))
            return InboundEvent("report", account, event_id, address, data, at)
    _, media = content(message)  # a photo sent with the caption "/lapor ..."
    if args or media is not None:
        data = _data(user, args, media, private, False, message.get("message_id"))
        return InboundEvent("report", account, event_id, address, data, at)
    howto = {"command": COMMAND, "args": [], "user": user, "direct": private}
    return InboundEvent("command", account, event_id, address, howto, at)


def forwarded(message: Mapping[str, Any]) -> bool:
    """Whether ``message`` was forwarded from elsewhere (any Bot API version's fields)."""
    return any(message.get(name) is not None for name in FORWARD_FIELDS)


def content(message: Mapping[str, Any]) -> tuple[str, str | None]:
    """(text or caption, ``file_unique_id`` of its media or None) of one message."""
    text = message.get("text")
    if not isinstance(text, str):
        caption = message.get("caption")
        text = caption if isinstance(caption, str) else ""
    return text.strip(), media_id(message)


def media_id(message: Mapping[str, Any]) -> str | None:
    """The ``file_unique_id`` of the message's photo (largest size) or file, if any."""
    photo = message.get("photo")
    if isinstance(photo, list):
        sizes = [size for size in photo if isinstance(size, Mapping) and _unique(size)]
        if sizes:
            largest = max(sizes, key=_area)
            return _unique(largest)
    for name in MEDIA_FIELDS:
        item = message.get(name)
        if isinstance(item, Mapping) and _unique(item):
            return _unique(item)
    return None


def _text(message: Mapping[str, Any]) -> str | None:
    for name in ("text", "caption"):
        value = message.get(name)
        if isinstance(value, str):
            return value
    return None


def _unique(item: Mapping[str, Any]) -> str | None:
    value = item.get("file_unique_id")
    return value if isinstance(value, str) and value else None


def _area(size: Mapping[str, Any]) -> tuple[int, int]:
    def number(key: str) -> int:
        value = size.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    return (number("width") * number("height"), number("file_size"))


def _data(
    user: object, text: str, media: str | None, direct: bool, fwd: bool, message_id: object
) -> dict[str, Any]:
    reported = None
    if isinstance(message_id, int) and not isinstance(message_id, bool):
        reported = str(message_id)
    return {
        "user": user,
        "text": text,
        "media": media,
        "media_hash": None,
        "direct": direct,
        "forwarded": fwd,
        "message_id": reported,
    }
