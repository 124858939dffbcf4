"""Renderer base classes, and the plain-text renderer they default to.

A channel renderer subclasses :class:`BlockRenderer` and overrides only the hooks whose output
differs from plain text. Every hook receives already-rendered children (a ``str``), so a subclass
never walks the tree itself. For example, a Telegram HTML renderer is roughly::

    class TelegramHtml(BlockRenderer):
        def text(self, text: str) -> str:
            return html.escape(text, quote=False)

        def bold(self, inner: str) -> str:
            return f"<b>{inner}</b>"

        ...  # italic, strike, code, link, heading, code_block

Contract shared by all renderers: rendering never raises for any :class:`Document`, and the
output is stripped of leading and trailing blank lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never

from content.markup.nodes import (
    Block,
    Blockquote,
    Bold,
    BulletList,
    Code,
    CodeBlock,
    Document,
    Heading,
    Inline,
    Italic,
    LineBreak,
    Link,
    OrderedList,
    Paragraph,
    Strike,
    Text,
    inline_text,
    is_safe_href,
)

__all__ = ["BlockRenderer", "InlineRenderer", "PlainRenderer", "link_shows_address", "to_plain"]

BULLET = "\u2022 "


class InlineRenderer:
    """Renders inline nodes to a string. Every hook defaults to plain text."""

    def inlines(self, nodes: Sequence[Inline]) -> str:
        return "".join(self.inline(node) for node in nodes)

    def inline(self, node: Inline) -> str:
        match node:
            case Text():
                return self.text(node.text)
            case Bold():
                return self.bold(self.inlines(node.children))
            case Italic():
                return self.italic(self.inlines(node.children))
            case Strike():
                return self.strike(self.inlines(node.children))
            case Code():
                return self.code(node.text)
            case Link():
                return self.link(node.href, node.children)
            case LineBreak():
                return self.line_break()
            case _:
                assert_never(node)

    def text(self, text: str) -> str:
        """Literal text; override to escape it for the target syntax."""
        return text

    def bold(self, inner: str) -> str:
        return inner

    def italic(self, inner: str) -> str:
        return inner

    def strike(self, inner: str) -> str:
        return inner

    def code(self, text: str) -> str:
        return self.text(text)

    def link(self, href: str, children: tuple[Inline, ...]) -> str:
        """Plain form: ``label (address)``, or only one of them when the label is the address;
        just the label if the address is not safe (see :func:`is_safe_href`)."""
        label = self.inlines(children)
        if not is_safe_href(href):
            # Only reachable with a hand-built tree: parse() never keeps such a link.
            return label
        if link_shows_address(href, children):
            return label or self.text(href)
        return f"{label} ({self.text(href)})"

    def line_break(self) -> str:
        return "\n"


class BlockRenderer(InlineRenderer):
    """Renders a whole document. Block hooks default to plain text: blocks separated by a blank
    line, bullets as "• item", numbered items as "1. item", quotes prefixed with "> "."""

    block_separator = "\n\n"
    item_separator = "\n"

    def render(self, document: Document) -> str:
        return self.blocks(document.blocks).strip("\n")

    def blocks(self, blocks: Sequence[Block]) -> str:
        # Blocks that render to nothing (an empty "#" heading or code fence) would otherwise
        # leave a run of blank lines.
        rendered = (self.block(block) for block in blocks)
        return self.block_separator.join(part for part in rendered if part)

    def block(self, block: Block) -> str:
        match block:
            case Paragraph():
                return self.paragraph(self.inlines(block.inlines))
            case Heading():
                return self.heading(block.level, self.inlines(block.inlines))
            case BulletList():
                return self.bullet_list(block.items)
            case OrderedList():
                return self.ordered_list(block.start, block.items)
            case Blockquote():
                return self.blockquote(self.blocks(block.blocks))
            case CodeBlock():
                return self.code_block(block.text)
            case _:
                assert_never(block)

    def paragraph(self, inner: str) -> str:
        return inner

    def heading(self, level: int, inner: str) -> str:
        return inner

    def bullet_list(self, items: tuple[tuple[Block, ...], ...]) -> str:
        return self.item_separator.join(self.list_item(BULLET, item) for item in items)

    def ordered_list(self, start: int, items: tuple[tuple[Block, ...], ...]) -> str:
        return self.item_separator.join(
            self.list_item(f"{start + index}. ", item) for index, item in enumerate(items)
        )

    def list_item(self, marker: str, blocks: tuple[Block, ...]) -> str:
        """``marker`` before the first line; later lines indented to line up under the text."""
        # Blocks inside an item are joined by a single newline: a chat list with blank lines
        # between an item's paragraphs reads as separate items.
        body = "\n".join(self.block(block) for block in blocks)
        lines = body.split("\n")
        indent = " " * len(marker)
        rest = [indent + line if line else line for line in lines[1:]]
        first = marker + lines[0] if lines[0] else marker.rstrip()
        return "\n".join([first, *rest])

    def blockquote(self, inner: str) -> str:
        return "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))

    def code_block(self, text: str) -> str:
        return self.text(text)


class PlainRenderer(BlockRenderer):
    """Readable plain text: every hook keeps its default."""


def link_shows_address(href: str, children: tuple[Inline, ...]) -> bool:
    """True when a link's label adds nothing to its address (``[x](x)``, an autolink, an empty
    label, or ``mailto:``/``tel:`` links labelled with the bare address), so renderers that
    spell addresses out show it once instead of ``x (x)``."""
    label = inline_text(children).strip()
    if not label or label == href:
        return True
    for scheme in ("mailto:", "tel:"):
        if href.lower().startswith(scheme) and href[len(scheme) :] == label:
            return True
    return False


def to_plain(document: Document) -> str:
    """``document`` as readable plain text (see :class:`BlockRenderer` for the layout)."""
    return PlainRenderer().render(document)
