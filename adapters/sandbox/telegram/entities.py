"""Message entities and the text measures Telegram uses for them.

Entity offsets and lengths are in UTF-16 code units (Bot API: "MessageEntity"), while TDLib
reports markup errors at UTF-8 byte offsets and checks length limits in Unicode code points. The
helpers here convert between the three so the parsers can speak Telegram's units exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JsonDict = dict[str, Any]

#: Sort priority of entity types at the same offset and length (TDLib ``get_type_priority``):
#: lower first, so a blockquote encloses a bold which encloses an italic.
_PRIORITY: dict[str, int] = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "mention": 50,
    "hashtag": 50,
    "cashtag": 50,
    "bot_command": 50,
    "url": 50,
    "email": 50,
    "phone_number": 50,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}


class EntityParseError(ValueError):
    """Markup that TDLib refuses; ``str(error)`` is TDLib's sentence (e.g. "Unclosed start tag
    at byte offset 3"), which the Bot API prefixes with "can't parse entities: "."""


@dataclass(frozen=True, slots=True)
class Entity:
    """One Bot API ``MessageEntity`` (UTF-16 offsets)."""

    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None
    user_id: int | None = None
    custom_emoji_id: str | None = None

    def to_json(self) -> JsonDict:
        body: JsonDict = {"offset": self.offset, "length": self.length, "type": self.type}
        if self.url is not None:
            body["url"] = self.url
        if self.language is not None:
            body["language"] = self.language
        if self.user_id is not None:
            body["user"] = {"id": self.user_id, "is_bot": False, "first_name": ""}
        if self.custom_emoji_id is not None:
            body["custom_emoji_id"] = self.custom_emoji_id
        return body

    def shifted(self, delta: int) -> Entity:
        return Entity(
            self.type,
            self.offset + delta,
            self.length,
            self.url,
            self.language,
            self.user_id,
            self.custom_emoji_id,
        )

    def clipped(self, start: int, end: int) -> Entity | None:
        """The part of this entity inside ``[start, end)``, or ``None`` when nothing is left."""
        new_start = max(self.offset, start)
        new_end = min(self.offset + self.length, end)
        if new_end <= new_start:
            return None
        return Entity(
            self.type,
            new_start,
            new_end - new_start,
            self.url,
            self.language,
            self.user_id,
            self.custom_emoji_id,
        )


def entity_from_json(raw: Any) -> Entity | None:
    """Read a client-supplied ``MessageEntity`` object; malformed items are skipped."""
    if not isinstance(raw, dict):
        return None
    kind, offset, length = raw.get("type"), raw.get("offset"), raw.get("length")
    if not isinstance(kind, str) or not isinstance(offset, int) or not isinstance(length, int):
        return None
    user = raw.get("user")
    user_id = user.get("id") if isinstance(user, dict) else None
    return Entity(
        kind,
        offset,
        length,
        url=raw.get("url") if isinstance(raw.get("url"), str) else None,
        language=raw.get("language") if isinstance(raw.get("language"), str) else None,
        user_id=user_id if isinstance(user_id, int) else None,
        custom_emoji_id=(
            raw.get("custom_emoji_id") if isinstance(raw.get("custom_emoji_id"), str) else None
        ),
    )


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (characters outside the BMP count twice)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def sort_entities(entities: list[Entity]) -> list[Entity]:
    """TDLib order: by offset, longer first, then by type priority."""
    return sorted(entities, key=lambda e: (e.offset, -e.length, _PRIORITY.get(e.type, 50)))


def byte_offsets(text: str) -> list[int]:
    """``result[i]`` is the UTF-8 byte offset of ``text[i]``; ``result[len(text)]`` the total."""
    offsets = [0] * (len(text) + 1)
    position = 0
    for index, ch in enumerate(text):
        offsets[index] = position
        code = ord(ch)
        position += 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
    offsets[len(text)] = position
    return offsets


def is_space(ch: str) -> bool:
    """TDLib ``is_space``: the NUL sentinel counts as space, which ends tag names at the end."""
    return ch in " \t\r\n\0\v"


def check_link(url: str) -> str | None:
    """A plausible subset of TDLib ``get_checked_link``: the URL to keep, or ``None`` to drop.

    Absolute http(s)/tg/ton/ftp URLs are kept; a bare domain gains ``http://``; anything else
    (``javascript:``, spaces) is dropped, which silently removes the link entity like Telegram.
    """
    link = url.strip()
    if not link or any(ch.isspace() for ch in link):
        return None
    lowered = link.lower()
    for scheme in ("http://", "https://", "tg://", "ton://", "ftp://"):
        if lowered.startswith(scheme):
            return link if len(link) > len(scheme) else None
    if "://" in link or ":" in link.split("/", 1)[0]:
        return None
    host = link.split("/", 1)[0]
    if "." in host and all(part for part in host.split(".")):
        return "http://" + link
    return None


def mention_user_id(url: str) -> int | None:
    """The user id of a ``tg://user?id=N`` link (rendered as a ``text_mention``)."""
    prefix = "tg://user?id="
    if url.lower().startswith(prefix):
        digits = url[len(prefix) :]
        if digits.isdigit():
            return int(digits)
    return None
