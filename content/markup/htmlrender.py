"""Safe HTML for email bodies.

Output uses only ``p, strong, em, s, code, pre, a, ul, ol, li, blockquote, h3, br``; every text
and attribute is escaped, and a link whose address is not safe (see
:func:`content.markup.nodes.is_safe_href`) is rendered as its label only.

Headings of every level become ``<h3>``: the email template owns the page's ``<h1>``/``<h2>``
(the announcement title), and a body heading must never look bigger than the title.
"""

from __future__ import annotations

from html import escape

from content.markup.nodes import Block, Document, Inline, Paragraph, is_safe_href
from content.markup.render import BlockRenderer

__all__ = ["HtmlInlines", "HtmlRenderer", "to_html"]


class HtmlInlines(BlockRenderer):
    """The inline hooks every HTML dialect shares (email, Telegram): escaped text, ``<s>``,
    ``<code>``, and links that are dropped to their label unless their address is safe."""

    def text(self, text: str) -> str:
        return escape(text, quote=False)

    def strike(self, inner: str) -> str:
        return f"<s>{inner}</s>"

    def code(self, text: str) -> str:
        return f"<code>{self.text(text)}</code>"

    def link(self, href: str, children: tuple[Inline, ...]) -> str:
        label = self.inlines(children) or self.text(href)
        if not is_safe_href(href):
            return label
        return f'<a href="{escape(href, quote=True)}">{label}</a>'


class HtmlRenderer(HtmlInlines):
    block_separator = "\n"
    item_separator = "\n"

    def bold(self, inner: str) -> str:
        return f"<strong>{inner}</strong>"

    def italic(self, inner: str) -> str:
        return f"<em>{inner}</em>"

    def line_break(self) -> str:
        return "<br>\n"

    def paragraph(self, inner: str) -> str:
        return f"<p>{inner}</p>"

    def heading(self, level: int, inner: str) -> str:
        return f"<h3>{inner}</h3>"

    def bullet_list(self, items: tuple[tuple[Block, ...], ...]) -> str:
        return "<ul>\n" + self._items(items) + "\n</ul>"

    def ordered_list(self, start: int, items: tuple[tuple[Block, ...], ...]) -> str:
        opening = "<ol>" if start == 1 else f'<ol start="{start}">'
        return opening + "\n" + self._items(items) + "\n</ol>"

    def _items(self, items: tuple[tuple[Block, ...], ...]) -> str:
        return self.item_separator.join(self.list_item("", item) for item in items)

    def list_item(self, marker: str, blocks: tuple[Block, ...]) -> str:
        # A one-paragraph item is written without <p>, as browsers render tight lists.
        if len(blocks) == 1 and isinstance(blocks[0], Paragraph):
            return f"<li>{self.inlines(blocks[0].inlines)}</li>"
        return f"<li>{self.blocks(blocks)}</li>"

    def blockquote(self, inner: str) -> str:
        return f"<blockquote>\n{inner}\n</blockquote>"

    def code_block(self, text: str) -> str:
        return f"<pre><code>{self.text(text)}</code></pre>"


def to_html(document: Document) -> str:
    """``document`` as an escaped, well-formed HTML fragment (see the module docstring)."""
    return HtmlRenderer().render(document)
