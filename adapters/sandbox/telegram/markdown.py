"""Telegram's ``MarkdownV2`` and legacy ``Markdown`` parse modes.

Ports of TDLib's ``parse_markdown_v2`` and ``parse_markdown`` (``td/telegram/MessageEntity.cpp``)
so errors carry TDLib's wording and UTF-8 byte offsets, e.g. ``Character '.' is reserved and must
be escaped with the preceding '\\'`` or ``Can't find end of Bold entity at byte offset 0``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .entities import (
    Entity,
    EntityParseError,
    byte_offsets,
    check_link,
    is_space,
    mention_user_id,
    sort_entities,
    utf16_len,
)

_RESERVED = "_*[]()~`>#+-=|{}.!\n"

#: TDLib's names for entity types, used in "Can't find end of <Type> entity" errors.
_TDLIB_NAMES: dict[str, str] = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "pre_code": "PreCode",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
    "blockquote": "BlockQuote",
}


@dataclass(slots=True)
class _Open:
    kind: str  # a key of _TDLIB_NAMES
    argument: str
    utf16_offset: int
    byte_offset: int
    result_start: int


def _reserved_error(ch: str) -> EntityParseError:
    return EntityParseError(
        f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
    )


def parse_markdown_v2(text: str) -> tuple[str, list[Entity]]:
    """Parse MarkdownV2 into plain text and entities, or raise :class:`EntityParseError`."""
    size = len(text)
    bytes_at = byte_offsets(text)

    def at(index: int) -> str:
        return text[index] if index < size else "\0"

    out: list[str] = []
    utf16 = 0
    entities: list[Entity] = []
    stack: list[_Open] = []
    have_blockquote = False
    i = 0
    while i < size:
        ch = text[i]
        nxt = at(i + 1)
        if ch == "\\" and 0 < ord(nxt) <= 126:
            out.append(nxt)
            utf16 += 1
            i += 2
            continue
        reserved = "`" if stack and stack[-1].kind in {"code", "pre", "pre_code"} else _RESERVED
        if ch not in reserved:
            out.append(ch)
            utf16 += utf16_len(ch)
            i += 1
            continue
        if stack and _is_end(stack[-1].kind, ch, nxt, at(i + 2), have_blockquote):
            top = stack[-1]
            if ch == "\n" and top.kind != "blockquote":
                raise EntityParseError(
                    f"Can't find end of {_TDLIB_NAMES[top.kind]} entity "
                    f"at byte offset {top.byte_offset}"
                )
            argument = top.argument
            skip = utf16 == top.utf16_offset
            user_id: int | None = None
            if top.kind in {"underline", "spoiler"}:
                i += 1
            elif top.kind in {"pre", "pre_code"}:
                i += 2
            elif top.kind in {"text_link", "custom_emoji"}:
                if nxt != "(":
                    if top.kind == "custom_emoji":
                        raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
                    url = "".join(out[top.result_start :])
                else:
                    url, i = _read_url(text, i + 2, bytes_at)
                if top.kind == "custom_emoji":
                    argument = _custom_emoji_id(url)
                else:
                    user_id = mention_user_id(url)
                    checked = check_link(url) if user_id is None else url
                    if checked is None:
                        skip = True
                    argument = checked or ""
            elif top.kind == "blockquote":
                have_blockquote = False
                out.append("\n")
                utf16 += 1
            if not skip:
                entities.append(
                    _make(top.kind, top.utf16_offset, utf16 - top.utf16_offset, argument, user_id)
                )
            stack.pop()
            i += 1
            continue
        # Beginning of an entity (or a reserved character that may not appear bare).
        byte_offset = bytes_at[i]
        argument = ""
        if ch == "_":
            kind = "italic"
            if nxt == "_":
                kind = "underline"
                i += 1
        elif ch == "*":
            kind = "bold"
        elif ch == "~":
            kind = "strikethrough"
        elif ch == "|":
            if nxt != "|":
                raise _reserved_error(ch)
            kind = "spoiler"
            i += 1
        elif ch == "[":
            kind = "text_link"
        elif ch == "`":
            if nxt == "`" and at(i + 2) == "`":
                kind, argument, i = _open_pre(text, i + 3, at)
            else:
                kind = "code"
        elif ch == "!":
            if nxt != "[":
                raise _reserved_error(ch)
            kind = "custom_emoji"
            i += 1
        elif ch == "\n":
            out.append("\n")
            utf16 += 1
            kind = ""
            if nxt == ">":
                i += 1
                if not have_blockquote:
                    kind = "blockquote"
                    have_blockquote = True
        elif ch == ">" and i == 0:
            kind = "blockquote"
            have_blockquote = True
        else:
            raise _reserved_error(ch)
        if kind:
            stack.append(_Open(kind, argument, utf16, byte_offset, len(out)))
        i += 1
    if have_blockquote and stack and stack[-1].kind == "blockquote":
        top = stack.pop()
        if utf16 != top.utf16_offset:
            entities.append(Entity("blockquote", top.utf16_offset, utf16 - top.utf16_offset))
    if stack:
        top = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_TDLIB_NAMES[top.kind]} entity at byte offset {top.byte_offset}"
        )
    return "".join(out), sort_entities(entities)


def _is_end(kind: str, ch: str, nxt: str, after: str, have_blockquote: bool) -> bool:
    if have_blockquote and ch == "\n" and nxt != ">":
        return True
    return {
        "bold": ch == "*",
        "italic": ch == "_" and nxt != "_",
        "code": ch == "`",
        "pre": ch == "`" and nxt == "`" and after == "`",
        "pre_code": ch == "`" and nxt == "`" and after == "`",
        "text_link": ch == "]",
        "underline": ch == "_" and nxt == "_",
        "strikethrough": ch == "~",
        "spoiler": ch == "|" and nxt == "|",
        "custom_emoji": ch == "]",
        "blockquote": False,
    }[kind]


def _open_pre(text: str, i: int, at: Callable[[int], str]) -> tuple[str, str, int]:
    """After an opening triple backtick: read an optional language and skip one newline.
    Returns the kind, the language and the index of the last character consumed."""
    kind, language = "pre", ""
    language_end = i
    while not is_space(at(language_end)) and at(language_end) != "`":
        language_end += 1
    if i != language_end and language_end < len(text) and at(language_end) != "`":
        kind, language = "pre_code", text[i:language_end]
        i = language_end
    if at(i) in "\n\r" and at(i) != "\0":
        i += 2 if at(i + 1) in "\n\r" and at(i + 1) != "\0" and at(i) != at(i + 1) else 1
    return kind, language, i - 1


def _read_url(text: str, i: int, bytes_at: list[int]) -> tuple[str, int]:
    """Read ``url)`` with backslash escapes; returns the URL and the index of ``)``."""
    begin = i
    chars: list[str] = []
    while i < len(text) and text[i] != ")":
        if text[i] == "\\" and i + 1 < len(text) and 0 < ord(text[i + 1]) <= 126:
            chars.append(text[i + 1])
            i += 2
            continue
        chars.append(text[i])
        i += 1
    if i >= len(text):
        raise EntityParseError(f"Can't find end of a URL at byte offset {bytes_at[begin]}")
    return "".join(chars), i


def _custom_emoji_id(url: str) -> str:
    prefix = "tg://emoji?id="
    if url.startswith(prefix) and url[len(prefix) :].isdigit():
        return url[len(prefix) :]
    raise EntityParseError("Invalid custom emoji identifier specified")


def _make(kind: str, offset: int, length: int, argument: str, user_id: int | None) -> Entity:
    if kind == "pre_code":
        return Entity("pre", offset, length, language=argument)
    if kind == "text_link":
        if user_id is not None:
            return Entity("text_mention", offset, length, user_id=user_id)
        return Entity("text_link", offset, length, url=argument)
    if kind == "custom_emoji":
        return Entity("custom_emoji", offset, length, custom_emoji_id=argument)
    return Entity(kind, offset, length)


def parse_markdown(text: str) -> tuple[str, list[Entity]]:
    """Legacy ``Markdown``: ``*bold*``, ``_italic_``, ```code```, ``[text](url)``, no nesting."""
    size = len(text)
    bytes_at = byte_offsets(text)
    out: list[str] = []
    utf16 = 0
    entities: list[Entity] = []
    i = 0
    while i < size:
        ch = text[i]
        if ch == "\\" and i + 1 < size and text[i + 1] in "_*`[":
            out.append(text[i + 1])
            utf16 += 1
            i += 2
            continue
        if ch not in "_*`[":
            out.append(ch)
            utf16 += utf16_len(ch)
            i += 1
            continue
        begin = i
        end_char = "]" if ch == "[" else ch
        i += 1
        is_pre = False
        language = ""
        if ch == "`" and text[i : i + 2] == "``":
            is_pre = True
            i += 2
            language_end = i
            while (
                language_end < size
                and not is_space(text[language_end])
                and (text[language_end] != "`")
            ):
                language_end += 1
            if i != language_end and language_end < size and text[language_end] != "`":
                language = text[i:language_end]
                i = language_end
            if i < size and text[i] in "\r\n":
                pair = text[i : i + 2]
                i += 2 if len(pair) == 2 and pair[1] in "\r\n" and pair[0] != pair[1] else 1
        start_utf16 = utf16
        start_out = len(out)
        while i < size and (text[i] != end_char or (is_pre and text[i + 1 : i + 3] != "``")):
            out.append(text[i])
            utf16 += utf16_len(text[i])
            i += 1
        if i >= size:
            raise EntityParseError(
                f"Can't find end of the entity starting at byte offset {bytes_at[begin]}"
            )
        length = utf16 - start_utf16
        if length:
            if ch == "_":
                entities.append(Entity("italic", start_utf16, length))
            elif ch == "*":
                entities.append(Entity("bold", start_utf16, length))
            elif ch == "`":
                entities.append(
                    Entity("pre", start_utf16, length, language=language or None)
                    if is_pre
                    else Entity("code", start_utf16, length)
                )
            else:
                url = "".join(out[start_out:])
                if i + 1 < size and text[i + 1] == "(":
                    close = text.find(")", i + 2)
                    url = text[i + 2 :] if close < 0 else text[i + 2 : close]
                    i = size - 1 if close < 0 else close
                user_id = mention_user_id(url)
                if user_id is not None:
                    entities.append(Entity("text_mention", start_utf16, length, user_id=user_id))
                elif (checked := check_link(url)) is not None:
                    entities.append(Entity("text_link", start_utf16, length, url=checked))
        if is_pre:
            i += 2
        i += 1
    return "".join(out), sort_entities(entities)
