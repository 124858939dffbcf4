"""The neutral document tree: what an announcement body means, independent of any channel.

Every node is a frozen dataclass built from tuples, so a parsed document can be shared between
concurrent renderers and compared with ``==`` in tests. The tree is deliberately small: it holds
only what Telegram, WhatsApp and email can all show in some form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias
from urllib.parse import urlsplit

__all__ = [
    "SAFE_LINK_SCHEMES",
    "Block",
    "Blockquote",
    "Bold",
    "BulletList",
    "Code",
    "CodeBlock",
    "Document",
    "Heading",
    "Inline",
    "Italic",
    "LineBreak",
    "Link",
    "OrderedList",
    "Paragraph",
    "Strike",
    "Text",
    "inline_text",
    "is_safe_href",
]


# --- Inline nodes ---


@dataclass(frozen=True, slots=True)
class Text:
    """Literal text. Renderers escape it for their target syntax."""

    text: str


@dataclass(frozen=True, slots=True)
class Bold:
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Italic:
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Strike:
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Code:
    """Inline code: shown in a monospaced font, never interpreted."""

    text: str


@dataclass(frozen=True, slots=True)
class Link:
    """A link. Documents built by :func:`content.markup.parse` only hold safe hrefs (see
    :func:`is_safe_href`); renderers still check, because a tree can be built by hand."""

    href: str
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class LineBreak:
    """A forced line break inside a paragraph."""


Inline: TypeAlias = Text | Bold | Italic | Strike | Code | Link | LineBreak


# --- Block nodes ---


@dataclass(frozen=True, slots=True)
class Paragraph:
    inlines: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading; ``level`` is 1-6 as in Markdown. Channels decide how prominent it looks."""

    level: int
    inlines: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class BulletList:
    """Each item is a tuple of blocks (usually one paragraph, possibly a nested list)."""

    items: tuple[tuple[Block, ...], ...]


@dataclass(frozen=True, slots=True)
class OrderedList:
    """A numbered list whose first item carries the number ``start``."""

    start: int
    items: tuple[tuple[Block, ...], ...]


@dataclass(frozen=True, slots=True)
class Blockquote:
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """Preformatted text, without the trailing newline."""

    text: str


Block: TypeAlias = Paragraph | Heading | BulletList | OrderedList | Blockquote | CodeBlock


@dataclass(frozen=True, slots=True)
class Document:
    blocks: tuple[Block, ...]


#: The only link schemes a resident may be sent to. Everything else (javascript:, data:, file:,
#: intent:, relative paths that mean nothing in a chat) is refused.
SAFE_LINK_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto", "tel"})


def is_safe_href(href: str) -> bool:
    """True if ``href`` uses an allowed scheme; http(s) links must also name a host."""
    try:
        parts = urlsplit(href.strip())
    except ValueError:  # e.g. an unbalanced "[" in the host part
        return False
    scheme = parts.scheme.lower()
    if scheme not in SAFE_LINK_SCHEMES:
        return False
    if scheme in ("http", "https"):
        return bool(parts.hostname)
    return bool(parts.path)


def inline_text(inlines: tuple[Inline, ...] | list[Inline]) -> str:
    """The bare text of ``inlines``: formatting dropped, links reduced to their label, line
    breaks as newlines. Used to compare a link's label with its address."""
    out: list[str] = []
    for node in inlines:
        match node:
            case Text(text=text) | Code(text=text):
                out.append(text)
            case Bold(children=children) | Italic(children=children) | Strike(children=children):
                out.append(inline_text(children))
            case Link(children=children):
                out.append(inline_text(children))
            case LineBreak():
                out.append("\n")
    return "".join(out)
