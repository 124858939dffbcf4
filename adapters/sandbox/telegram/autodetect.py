"""Entities Telegram finds by itself in any text: bot commands, mentions, hashtags, URLs.

The server adds these to every message it returns or delivers (TDLib ``find_entities``); the
patterns below follow TDLib's own regular expressions closely enough for a bot's purposes, most
importantly ``bot_command`` at the start of ``/daftar 3671010001 rt``.
"""

from __future__ import annotations

import re

from .entities import Entity, sort_entities, utf16_len

_BOT_COMMAND = re.compile(r"(?<![\w/<>])/[a-zA-Z0-9_]{1,64}(?:@[a-zA-Z0-9_]{3,32})?(?![\w/<>])")
_MENTION = re.compile(r"(?<!\w)@[a-zA-Z0-9_]{4,32}(?!\w)")
_HASHTAG = re.compile(r"(?<!\w)#\w{1,256}(?![\w#])")
_URL = re.compile(r"(?i)\bhttps?://[^\s<>\"']+")
_URL_TRAILING = ".,;:!?)]}'\""

#: Entity types inside which Telegram does not look for automatic entities.
_OPAQUE = frozenset({"code", "pre", "text_link", "text_mention", "custom_emoji"})


def find_auto_entities(text: str) -> list[Entity]:
    """Bot commands, mentions, hashtags (with at least one letter) and http(s) URLs."""
    found: list[tuple[int, int, str]] = []
    found += [(m.start(), m.end(), "bot_command") for m in _BOT_COMMAND.finditer(text)]
    found += [(m.start(), m.end(), "mention") for m in _MENTION.finditer(text)]
    found += [
        (m.start(), m.end(), "hashtag")
        for m in _HASHTAG.finditer(text)
        if any(ch.isalpha() for ch in m.group()[1:])
    ]
    for match in _URL.finditer(text):
        end = match.end()
        while end > match.start() and text[end - 1] in _URL_TRAILING:
            end -= 1
        found.append((match.start(), end, "url"))
    if not found:
        return []
    prefix = _utf16_prefix(text)
    return [Entity(kind, prefix[start], prefix[end] - prefix[start]) for start, end, kind in found]


def with_auto_entities(text: str, entities: list[Entity]) -> list[Entity]:
    """``entities`` plus the automatic ones that do not overlap a code, pre or link entity."""
    opaque = [(e.offset, e.offset + e.length) for e in entities if e.type in _OPAQUE]
    extra = [
        auto
        for auto in find_auto_entities(text)
        if not any(auto.offset < end and start < auto.offset + auto.length for start, end in opaque)
    ]
    return sort_entities([*entities, *extra]) if extra else entities


def _utf16_prefix(text: str) -> list[int]:
    prefix = [0] * (len(text) + 1)
    total = 0
    for index, ch in enumerate(text):
        prefix[index] = total
        total += utf16_len(ch)
    prefix[len(text)] = total
    return prefix
