"""Neutral markup: parse the announcement Markdown subset once, render it for each channel.

``parse`` turns source text into a :class:`Document` of frozen nodes (and the problems found);
``to_plain``, ``to_html`` and ``to_whatsapp`` render it; channel adapters subclass
:class:`BlockRenderer` for anything else.
"""

from content.markup.htmlrender import HtmlInlines, HtmlRenderer, to_html
from content.markup.nodes import (
    SAFE_LINK_SCHEMES,
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
from content.markup.parser import ParseResult, parse
from content.markup.render import (
    BlockRenderer,
    InlineRenderer,
    PlainRenderer,
    link_shows_address,
    to_plain,
)
from content.markup.whatsapp import WhatsAppRenderer, to_whatsapp, wrap_lines
from content.problems import Problem

__all__ = [
    "SAFE_LINK_SCHEMES",
    "Block",
    "BlockRenderer",
    "Blockquote",
    "Bold",
    "BulletList",
    "Code",
    "CodeBlock",
    "Document",
    "Heading",
    "HtmlInlines",
    "HtmlRenderer",
    "Inline",
    "InlineRenderer",
    "Italic",
    "LineBreak",
    "Link",
    "OrderedList",
    "Paragraph",
    "ParseResult",
    "PlainRenderer",
    "Problem",
    "Strike",
    "Text",
    "WhatsAppRenderer",
    "inline_text",
    "is_safe_href",
    "link_shows_address",
    "parse",
    "to_html",
    "to_plain",
    "to_whatsapp",
    "wrap_lines",
]
