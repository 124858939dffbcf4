"""Telegram HTML measured and split as Telegram sees it.

Telegram limits a message to 4096 characters *after entity parsing*: tags do not count, ``&amp;``
counts as one character, and leading and trailing whitespace is trimmed first. Characters are
counted here in UTF-16 code units, the unit of Bot API entity offsets, which is never less than
the number of code points, so a part that fits here fits Telegram however it counts. Before
parsing, the Bot API also refuses texts over 32 KiB ("text is too long").

:func:`split_html` cuts at the best boundary that fits, in this order of preference: a blank line
(paragraph), a line break, the end of a sentence, a space, and only as a last resort inside a word.
It works on the decoded text with the stack of open tags at every character, so a cut can fall
anywhere without breaking markup: tags open at the cut are closed at the end of the part and
reopened at the start of the next. Whitespace at a cut is dropped (Telegram would trim it anyway).

Input must be well-formed Telegram HTML, as :mod:`adapters.telegram.render` writes it: every tag
closed in order, ``<``/``>``/``&`` in text escaped. Anything else raises ``ValueError``.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field
from html import unescape

MAX_TEXT = 4096
MAX_RAW_BYTES = 1 << 15

_TOKEN = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)([^>]*)>|(&(?:#[xX][0-9a-fA-F]+|#\d+|\w+);)|&|<")
_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
_LINE = re.compile(r"\n")
_SENTENCE = re.compile(r"[.!?\u2026][)\]\"'\u00bb\u201d\u2019]*(?=\s)")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ZWJ = "\u200d"


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (characters outside the BMP count twice)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


@dataclass(eq=False, slots=True)
class _Tag:
    """One element instance; identity (not equality) tells two sibling ``<b>`` apart."""

    name: str
    raw: str  # the start tag exactly as written, attributes included


@dataclass
class _Decoded:
    """The visible characters and, for each, the open elements (outermost first)."""

    chars: list[str] = field(default_factory=list)
    stacks: list[tuple[_Tag, ...]] = field(default_factory=list)


def _decode(html: str) -> _Decoded:
    out = _Decoded()
    stack: tuple[_Tag, ...] = ()
    pos = 0
    for match in _TOKEN.finditer(html):
        _append_text(out, html[pos : match.start()], stack)
        pos = match.end()
        closing, name = match.group(1), match.group(2)
        if name is None:
            token = match.group(0)
            if token == "<":
                raise ValueError(f"unescaped '<' at offset {match.start()}")
            _append_text(out, _reference(token), stack)
        elif closing:
            if not stack or stack[-1].name != name.lower():
                raise ValueError(f"</{name}> at offset {match.start()} closes nothing open")
            stack = stack[:-1]
        else:
            stack = (*stack, _Tag(name.lower(), match.group(0)))
    _append_text(out, html[pos:], stack)
    if stack:
        raise ValueError(f"<{stack[-1].name}> is never closed")
    return out


def _append_text(out: _Decoded, text: str, stack: tuple[_Tag, ...]) -> None:
    out.chars.extend(text)
    out.stacks.extend([stack] * len(text))


def _reference(token: str) -> str:
    """A character reference decoded as Telegram decodes it: only ``&lt; &gt; &amp; &quot;``
    and valid numeric references; anything else (a bare "&", ``&copy;``) stays literal."""
    body = token[1:-1]
    if body in _NAMED:
        return _NAMED[body]
    if body.startswith("#"):
        digits = body[1:]
        value = int(digits[1:], 16) if digits[:1] in ("x", "X") else int(digits or "0")
        if 0 < value < 0x10FFFF and not 0xD800 <= value <= 0xDFFF:
            return chr(value)
    return token


def visible_text(html: str) -> str:
    """The text Telegram shows for ``html``, before its whitespace trimming."""
    return "".join(_decode(html).chars)


def _serialize(doc: _Decoded, start: int, end: int) -> str:
    """``doc.chars[start:end]`` as HTML, opening and closing tags where the stack changes."""
    out: list[str] = []
    current: tuple[_Tag, ...] = ()
    for index in range(start, end):
        stack = doc.stacks[index]
        if stack is not current:
            common = 0
            for mine, theirs in zip(current, stack, strict=False):
                if mine is not theirs:
                    break
                common += 1
            out.extend(f"</{tag.name}>" for tag in reversed(current[common:]))
            out.extend(tag.raw for tag in stack[common:])
            current = stack
        char = doc.chars[index]
        out.append(_ESCAPES.get(char, char))
    out.extend(f"</{tag.name}>" for tag in reversed(current))
    return "".join(out)


class _Splitter:
    def __init__(self, doc: _Decoded, limit: int, max_bytes: int) -> None:
        self.doc = doc
        self.text = "".join(doc.chars)
        self.limit = limit
        self.max_bytes = max_bytes
        widths = [2 if ord(ch) > 0xFFFF else 1 for ch in doc.chars]
        self.offsets = [0]
        for width in widths:
            self.offsets.append(self.offsets[-1] + width)

    def parts(self) -> list[str]:
        parts: list[str] = []
        n = len(self.text)
        start = self._skip_space(0)
        while start < n:
            fit = bisect.bisect_right(self.offsets, self.offsets[start] + self.limit) - 1
            while True:
                cut = n if fit >= n else self._best_cut(start, fit)
                part = _serialize(self.doc, start, self._trim_end(start, cut))
                too_big = len(part.encode("utf-8", "surrogatepass")) > self.max_bytes
                if not too_big or cut - start <= 1:
                    break
                # Over the raw-byte budget (long link addresses, many escapes): try half as much.
                fit = start + max(1, (cut - start) // 2)
            parts.append(part)
            start = self._skip_space(cut)
        return parts

    def _skip_space(self, index: int) -> int:
        while index < len(self.text) and self.text[index].isspace():
            index += 1
        return index

    def _trim_end(self, start: int, end: int) -> int:
        while end > start and self.text[end - 1].isspace():
            end -= 1
        return end

    def _best_cut(self, start: int, fit: int) -> int:
        """The end (exclusive) of the part beginning at ``start``; ``fit`` is how far it may
        reach. A cut at ``k`` means the next part starts at or after ``k``."""
        window = self.text[start : fit + 1]  # one past the fit: a space right there is a cut too
        for pattern in (_PARAGRAPH, _LINE):
            cut = _last_match_start(pattern, window, start)
            if cut is not None:
                return cut
        sentence = None
        for match in _SENTENCE.finditer(window):
            sentence = start + match.end()  # just after the punctuation; a space follows
        if sentence is not None:
            return sentence
        for index in range(fit, start, -1):
            if self.text[index].isspace():
                return index
        return self._hard_cut(start, fit)

    def _hard_cut(self, start: int, fit: int) -> int:
        # Inside a word: at least keep a combining mark, variation selector or zero-width joiner
        # with the character before it, so no emoji or accented letter is torn in two.
        cut = fit
        while cut > start + 1 and (
            unicodedata.combining(self.text[cut])
            or "\ufe00" <= self.text[cut] <= "\ufe0f"
            or self.text[cut] == _ZWJ
            or self.text[cut - 1] == _ZWJ
        ):
            cut -= 1
        return max(cut, start + 1)


def _last_match_start(pattern: re.Pattern[str], window: str, offset: int) -> int | None:
    last = None
    for match in pattern.finditer(window):
        if match.start() > 0:
            last = offset + match.start()
    return last


def split_html(html: str, limit: int = MAX_TEXT, max_bytes: int = MAX_RAW_BYTES) -> list[str]:
    """``html`` as consecutive messages, each at most ``limit`` UTF-16 units after entity
    parsing and at most ``max_bytes`` bytes raw, with balanced tags (see the module docstring).

    A text that already fits comes back unchanged as the only part; whitespace-only text gives
    no parts. A single character that alone exceeds ``max_bytes`` (an absurdly long link
    address) is returned as its own part rather than dropped.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2 (one character outside the BMP)")
    doc = _decode(html)
    visible = "".join(doc.chars)
    if not visible.strip():
        return []
    size_ok = len(html.encode("utf-8", "surrogatepass")) <= max_bytes
    if size_ok and utf16_len(visible.strip()) <= limit:
        return [html]
    return _Splitter(doc, limit, max_bytes).parts()


def html_to_plain(html: str, *, keep_links: bool = True) -> str:
    """Telegram HTML as plain text: tags dropped, entities decoded and, with ``keep_links``, a
    link's address kept in brackets after its label when the label does not already show it.

    Unlike :func:`split_html` this accepts broken markup (it is the fallback for text Telegram
    could not parse): unmatched tags are simply dropped.
    """
    out: list[str] = []
    links: list[tuple[str, int]] = []  # (href, index in out where the label starts)
    pos = 0
    for match in _TOKEN.finditer(html):
        out.append(html[pos : match.start()])
        pos = match.end()
        closing, name, attrs = match.group(1), match.group(2), match.group(3)
        if name is None:
            token = match.group(0)
            out.append(unescape(token) if match.group(4) else token)
        elif name.lower() == "a" and not closing:
            href = _HREF.search(attrs or "")
            quoted = (href.group(1) if href.group(1) is not None else href.group(2)) if href else ""
            links.append((unescape(quoted), len(out)))
        elif name.lower() == "a" and links:
            address, begin = links.pop()
            label = "".join(out[begin:]).strip()
            bare = address.split(":", 1)[1] if address.startswith(("mailto:", "tel:")) else None
            if keep_links and address and label not in (address, bare):
                out.append(f" ({address})")
    out.append(html[pos:])
    return "".join(out)
