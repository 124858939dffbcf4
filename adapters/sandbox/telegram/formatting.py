"""From a request's ``text``/``caption`` + ``parse_mode``/``entities`` to the stored message text.

The order follows the Bot API server and TDLib: a raw size guard, markup parsing, whitespace
trimming (entities are shifted and clipped), the emptiness and length checks in Unicode code
points, and finally the automatic entities (commands, mentions, hashtags, URLs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from .autodetect import with_auto_entities
from .entities import Entity, EntityParseError, entity_from_json, sort_entities, utf16_len
from .errors import bad_request, can_t_parse_entities
from .html_entities import parse_html
from .markdown import parse_markdown, parse_markdown_v2

#: The Bot API server refuses text over 32 KiB before parsing it (``Client.cpp``).
MAX_RAW_BYTES = 1 << 15
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
_TRIMMED = " \t\r\n"


@dataclass(frozen=True, slots=True)
class FormattedText:
    """Plain text as Telegram stores it, with its entities (UTF-16 offsets)."""

    text: str
    entities: tuple[Entity, ...]


def format_text(
    raw: str,
    parse_mode: str | None,
    entities_json: Any,
    *,
    kind: Literal["text", "caption"],
) -> FormattedText:
    """Parse and validate ``raw``; raises a 400 ``ApiError`` worded as Telegram's.

    ``kind="text"`` enforces 1-4096 characters ("message must be non-empty", "message is too
    long"); ``kind="caption"`` allows an empty caption and at most 1024 characters.
    """
    if len(raw.encode("utf-8", "surrogatepass")) > MAX_RAW_BYTES:
        raise bad_request("text is too long")
    text, entities = _parse(raw, parse_mode, entities_json)
    text, entities = _trim(text, entities)
    limit = MAX_TEXT_LENGTH if kind == "text" else MAX_CAPTION_LENGTH
    if kind == "text" and not text:
        raise bad_request("message must be non-empty")
    if len(text) > limit:
        raise bad_request(
            "message is too long" if kind == "text" else "message caption is too long"
        )
    return FormattedText(text, tuple(with_auto_entities(text, entities)))


def parse_plain(raw: str, parse_mode: str | None) -> FormattedText:
    """Parse and trim a short text (poll question or option) without length checks."""
    text, entities = _trim(*_parse(raw, parse_mode, None))
    return FormattedText(text, tuple(entities))


def _parse(raw: str, parse_mode: str | None, entities_json: Any) -> tuple[str, list[Entity]]:
    mode = (parse_mode or "").strip().lower()
    try:
        if mode == "html":
            return parse_html(raw)
        if mode == "markdownv2":
            return parse_markdown_v2(raw)
        if mode == "markdown":
            return parse_markdown(raw)
    except EntityParseError as exc:
        raise can_t_parse_entities(str(exc)) from exc
    if mode:
        raise bad_request("unsupported parse_mode")
    if isinstance(entities_json, list):
        limit = utf16_len(raw)
        explicit: list[Entity] = []
        for item in entities_json:
            entity = entity_from_json(item)
            if entity is None:
                continue
            if entity.offset < 0 or entity.length <= 0 or entity.offset + entity.length > limit:
                # Telegram clips or drops entities outside the text; dropping is the safe subset.
                continue
            explicit.append(entity)
        return raw, sort_entities(explicit)
    return raw, []


def _trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Strip leading/trailing whitespace like TDLib ``fix_formatted_text`` and move entities."""
    stripped_left = text.lstrip(_TRIMMED)
    removed = utf16_len(text) - utf16_len(stripped_left)
    result = stripped_left.rstrip(_TRIMMED)
    if result == text:
        return text, entities
    end = utf16_len(result)
    moved: list[Entity] = []
    for entity in entities:
        clipped = entity.shifted(-removed).clipped(0, end)
        if clipped is not None:
            moved.append(clipped)
    return result, moved
