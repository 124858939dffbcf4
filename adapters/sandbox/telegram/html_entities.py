"""Telegram's HTML parse mode: tag checking, entity extraction, error wording.

This follows TDLib's ``parse_html`` (``td/telegram/MessageEntity.cpp``) step by step, so the same
input fails with the same sentence at the same UTF-8 byte offset as on the real Bot API:

* supported tags: ``a b strong i em s strike del u ins tg-spoiler tg-emoji span pre code
  blockquote`` (``span`` only with ``class="tg-spoiler"``); anything else is
  ``Unsupported start tag "x" at byte offset N``;
* ``&lt; &gt; &amp; &quot;`` and numeric references are decoded; any other ``&...`` is kept
  literally (TDLib does not reject it);
* end tags must match the innermost open tag; ``</>`` closes whatever is open;
* a tag left open fails with ``Can't find end tag corresponding to start tag "x"``.
"""

from __future__ import annotations

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

SUPPORTED_TAGS: frozenset[str] = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)

_SIMPLE_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "blockquote": "blockquote",
}

_NAMED_ENTITIES: dict[str, str] = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


@dataclass(slots=True)
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    result_start: int
    expandable: bool = False


def decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode the character reference at ``text[pos] == "&"``.

    Returns the character and the index just after the reference (after ``;`` if present), or
    ``None`` when TDLib would keep the ``&`` literally.
    """
    end = pos + 1
    if end < len(text) and text[end] == "#":
        end += 1
        value = 0
        if end < len(text) and text[end] == "x":
            end += 1
            while end < len(text) and text[end] in "0123456789abcdefABCDEF":
                value = value * 16 + int(text[end], 16)
                end += 1
        else:
            while end < len(text) and text[end].isascii() and text[end].isdigit():
                value = value * 10 + int(text[end])
                end += 1
        if value == 0 or value >= 0x10FFFF or end - pos >= 10 or 0xD800 <= value <= 0xDFFF:
            return None
        char = chr(value)
    else:
        while end < len(text) and text[end].isascii() and text[end].isalpha():
            end += 1
        named = _NAMED_ENTITIES.get(text[pos + 1 : end])
        if named is None:
            return None
        char = named
    if end < len(text) and text[end] == ";":
        end += 1
    return char, end


class _Scanner:
    """Index-based reader over the markup; ``at`` returns NUL past the end, as TDLib's C string
    does, which keeps every branch of the port identical to the original."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.size = len(text)
        self.bytes_at = byte_offsets(text)

    def at(self, index: int) -> str:
        return self.text[index] if index < self.size else "\0"

    def skip_spaces(self, index: int) -> int:
        while self.at(index) != "\0" and is_space(self.at(index)):
            index += 1
        return index


def parse_html(text: str) -> tuple[str, list[Entity]]:
    """Parse Telegram HTML into plain text and entities, or raise :class:`EntityParseError`."""
    scan = _Scanner(text)
    out: list[str] = []
    out_utf16 = 0
    entities: list[Entity] = []
    stack: list[_OpenTag] = []
    i = 0
    while i < scan.size:
        ch = text[i]
        if ch == "&":
            decoded = decode_entity(text, i)
            if decoded is not None:
                char, i = decoded
                out.append(char)
                out_utf16 += utf16_len(char)
                continue
        if ch != "<":
            out.append(ch)
            out_utf16 += utf16_len(ch)
            i += 1
            continue

        begin = i
        i += 1
        if scan.at(i) != "/":
            tag, i = _read_start_tag(scan, begin, i)
            tag.utf16_offset = out_utf16
            tag.result_start = len(out)
            stack.append(tag)
        else:
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {scan.bytes_at[begin]}")
            while not is_space(scan.at(i)) and scan.at(i) != ">":
                i += 1
            end_name = text[begin + 2 : i].lower()
            i = scan.skip_spaces(i)
            if scan.at(i) != ">":
                raise EntityParseError(f"Unclosed end tag at byte offset {scan.bytes_at[begin]}")
            top = stack[-1]
            if end_name and end_name != top.name:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {scan.bytes_at[begin]}, "
                    f'expected "</{top.name}>", found "</{end_name}>"'
                )
            if out_utf16 > top.utf16_offset:
                link_text = "".join(out[top.result_start :])
                _close_entity(entities, top, out_utf16 - top.utf16_offset, link_text)
            stack.pop()
        i += 1  # step over the closing '>'
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    cleaned = [
        Entity(e.type, e.offset, e.length, e.url, None, e.user_id, e.custom_emoji_id)
        if e.type == "code" and e.language is not None
        else e
        for e in entities
    ]
    return "".join(out), sort_entities(cleaned)


def _read_start_tag(scan: _Scanner, begin: int, i: int) -> tuple[_OpenTag, int]:
    """Read ``<name attr=value ...>`` from just after ``<``; returns the open tag (offsets
    still unset) and the index of the closing ``>``."""
    text = scan.text
    offset = scan.bytes_at[begin]
    while not is_space(scan.at(i)) and scan.at(i) != ">":
        i += 1
    if scan.at(i) == "\0":
        raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
    name = text[begin + 1 : i].lower()
    if name not in SUPPORTED_TAGS:
        raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {offset}')
    argument = ""
    expandable = False
    while scan.at(i) != ">":
        i = scan.skip_spaces(i)
        if scan.at(i) == ">":
            break
        attr_begin = i
        if name == "blockquote" and _bare_attribute(scan, i, "expandable"):
            # Bot API 7.4 allows a bare ``expandable`` attribute on blockquotes.
            expandable = True
            i += len("expandable")
            continue
        while not is_space(scan.at(i)) and scan.at(i) != "=":
            i += 1
        attr_name = text[attr_begin:i]
        if not attr_name:
            raise EntityParseError(
                f'Empty attribute name in the tag "{name}" at byte offset {offset}'
            )
        i = scan.skip_spaces(i)
        if scan.at(i) != "=":
            raise EntityParseError(
                "Expected equal sign in declaration of an attribute of the tag "
                f'"{name}" at byte offset {offset}'
            )
        i = scan.skip_spaces(i + 1)
        if scan.at(i) == "\0":
            raise EntityParseError(f'Unclosed start tag "{name}" at byte offset {offset}')
        value, i = _read_attribute_value(scan, i)
        if scan.at(i) == "\0":
            raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
        if name == "a" and attr_name == "href":
            argument = value
        elif name == "code" and attr_name == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif name == "span" and attr_name == "class" and value.startswith("tg-"):
            argument = value[len("tg-") :]
        elif name == "tg-emoji" and attr_name == "emoji-id":
            argument = value
    if name == "span" and argument != "spoiler":
        raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    return _OpenTag(name, argument, 0, 0, expandable), i


def _read_attribute_value(scan: _Scanner, i: int) -> tuple[str, int]:
    """An unquoted name token (lower-cased, as in HTML) or a quoted string with references."""
    if scan.at(i) not in "'\"":
        token_begin = i
        while scan.at(i).isascii() and (scan.at(i).isalnum() or scan.at(i) in ".-"):
            i += 1
        value = scan.text[token_begin:i].lower()
        if not is_space(scan.at(i)) and scan.at(i) != ">":
            raise EntityParseError(
                f"Unexpected end of name token at byte offset {scan.bytes_at[token_begin]}"
            )
        return value, i
    quote = scan.at(i)
    i += 1
    chars: list[str] = []
    while scan.at(i) != quote and scan.at(i) != "\0":
        if scan.at(i) == "&":
            decoded = decode_entity(scan.text, i)
            if decoded is not None:
                chars.append(decoded[0])
                i = decoded[1]
                continue
        chars.append(scan.at(i))
        i += 1
    if scan.at(i) == quote:
        i += 1
    return "".join(chars), i


def _close_entity(entities: list[Entity], tag: _OpenTag, length: int, inner: str) -> None:
    """Append the entity for a closed tag (TDLib's end-of-entity branch)."""
    offset = tag.utf16_offset
    name = tag.name
    if name in _SIMPLE_TAGS:
        kind = _SIMPLE_TAGS[name]
        if kind == "blockquote" and tag.expandable:
            kind = "expandable_blockquote"
        entities.append(Entity(kind, offset, length))
    elif name == "span":
        entities.append(Entity("spoiler", offset, length))
    elif name == "tg-emoji":
        if not tag.argument.isdigit() or int(tag.argument) == 0:
            raise EntityParseError("Invalid custom emoji identifier specified")
        entities.append(Entity("custom_emoji", offset, length, custom_emoji_id=tag.argument))
    elif name == "a":
        url = tag.argument or inner
        user_id = mention_user_id(url)
        if user_id is not None:
            entities.append(Entity("text_mention", offset, length, user_id=user_id))
        else:
            checked = check_link(url)
            if checked is not None:
                entities.append(Entity("text_link", offset, length, url=checked))
    elif name == "pre":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last.type == "code"
            and (last.offset, last.length) == (offset, length)
            and last.language
        ):
            entities[-1] = Entity("pre", offset, length, language=last.language)
        else:
            entities.append(Entity("pre", offset, length))
    elif name == "code":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last.type == "pre"
            and (last.offset, last.length) == (offset, length)
            and tag.argument
        ):
            entities[-1] = Entity("pre", offset, length, language=tag.argument)
        else:
            # The language is kept only to merge with an enclosing <pre>; cleared at the end.
            entities.append(Entity("code", offset, length, language=tag.argument or None))


def _bare_attribute(scan: _Scanner, i: int, attribute: str) -> bool:
    """Whether ``attribute`` (without ``=value``) starts at ``i``."""
    end = i + len(attribute)
    if scan.text[i:end].lower() != attribute:
        return False
    following = scan.skip_spaces(end)
    return scan.at(end) == ">" or (is_space(scan.at(end)) and scan.at(following) != "=")
