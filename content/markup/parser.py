"""Markdown subset -> neutral document tree, using markdown-it-py (CommonMark + strikethrough).

Supported: paragraphs, headings, bullet and numbered lists, block quotes, code (inline, fenced and
indented), **bold**, *italic*, ~~strike~~, links to http(s)/mailto/tel, hard line breaks.

Unsupported markup is never dropped silently: each occurrence yields a :class:`Problem` and is
degraded to its plain text in the document, so that what a resident would see is still readable:

========================  =====================================================================
source                    becomes
========================  =====================================================================
image                     its alt text (or its address when the alt text is empty)
raw HTML                  the text between the tags; tags, comments and scripts vanish
table                     one paragraph, a line per row, cells joined by " | "
horizontal rule           a paragraph holding "---"
link with another scheme  its label, without the link
========================  =====================================================================

Soft line breaks (a single newline inside a paragraph) become a space, as in CommonMark, unless
``breaks=True`` is passed (useful for text typed into a chat-like text box, where Enter means a
new line). Hard breaks (two trailing spaces or a backslash) always become :class:`LineBreak`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

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
    is_safe_href,
)
from content.problems import Problem, make_problem

__all__ = ["ParseResult", "parse"]


class _MarkdownIt(MarkdownIt):
    def validateLink(self, url: str) -> bool:
        # markdown-it normally leaves a link with a dangerous scheme as literal text, which would
        # send "[klik](javascript:...)" to residents without anyone noticing. Accepting every
        # destination turns it into a link token that the builder reports and degrades.
        return True


# Tables are enabled only so that they can be recognised and reported; CommonMark alone would
# show their pipes as text without a problem.
_MD = _MarkdownIt("commonmark").enable(["strikethrough", "table"])


@dataclass(frozen=True)
class ParseResult:
    """The parsed document, and the problems found while degrading unsupported markup."""

    document: Document
    problems: list[Problem]


def parse(source: str, *, field: str = "body", breaks: bool = False) -> ParseResult:
    """Parse ``source`` (see the module docstring). Never raises for any input string.

    ``field`` is copied into each problem (the validator passes ``variants.<lang>.body``); line
    numbers in problem messages count from 1 within ``source``.
    """
    builder = _Builder(field=field, breaks=breaks)
    root = SyntaxTreeNode(_MD.parse(source))
    blocks = builder.blocks(root.children, line=1)
    return ParseResult(Document(tuple(blocks)), builder.problems())


class _Builder:
    def __init__(self, *, field: str, breaks: bool) -> None:
        self.field = field
        self.breaks = breaks
        # one problem per distinct cause (kind and detail, e.g. the HTML tag): the lines it
        # occurs on, in order of first occurrence
        self._causes: dict[tuple[str, tuple[tuple[str, object], ...]], list[int]] = {}

    def report(self, code: str, line: int, **params: object) -> None:
        lines = self._causes.setdefault((code, tuple(sorted(params.items()))), [])
        if line not in lines:
            lines.append(line)

    def problems(self) -> list[Problem]:
        """One problem per distinct cause, naming its first line and every other line it is
        on ("<tetap>" sixty times is one problem, not sixty)."""
        return [
            make_problem(code, self.field, line=lines[0], also=lines[1:], **dict(params))
            for (code, params), lines in self._causes.items()
        ]

    # --- blocks ---

    def blocks(self, nodes: list[SyntaxTreeNode], line: int) -> list[Block]:
        out: list[Block] = []
        for node in nodes:
            out.extend(self.block(node, _line_of(node, line)))
        return out

    def block(self, node: SyntaxTreeNode, line: int) -> list[Block]:
        kind = node.type
        if kind == "paragraph":
            return _paragraph(self.inline_container(node.children, line))
        if kind == "heading":
            level = int(node.tag[1:]) if node.tag[1:].isdigit() else 1
            return [Heading(level, tuple(self.inline_container(node.children, line)))]
        if kind in ("bullet_list", "ordered_list"):
            items = tuple(
                tuple(self.blocks(item.children, _line_of(item, line))) for item in node.children
            )
            if kind == "bullet_list":
                return [BulletList(items)]
            return [OrderedList(_list_start(node), items)]
        if kind == "blockquote":
            return [Blockquote(tuple(self.blocks(node.children, line)))]
        if kind in ("fence", "code_block"):
            return [CodeBlock(node.content.removesuffix("\n"))]
        if kind == "html_block":
            for tag in _html_tags(node.content):
                self.report("markup_html", line, tag=tag)
            return _paragraph(_lines_as_inlines(_html_text(node.content)))
        if kind == "hr":
            self.report("markup_rule", line)
            return [Paragraph((Text("---"),))]
        if kind == "table":
            self.report("markup_table", line)
            return _paragraph(self.table_rows(node, line))
        # Anything else markdown-it may grow in future: keep whatever text it holds.
        if node.children:
            return self.blocks(node.children, line)
        return _paragraph(_lines_as_inlines(node.content))

    def table_rows(self, table: SyntaxTreeNode, line: int) -> list[Inline]:
        out: list[Inline] = []
        for section in table.children:  # thead, tbody
            for row in section.children:
                if out:
                    out.append(LineBreak())
                for index, cell in enumerate(row.children):
                    if index:
                        out.append(Text(" | "))
                    out.extend(self.inline_container(cell.children, _line_of(row, line)))
        return _merge_text(out)

    # --- inlines ---

    def inline_container(self, nodes: list[SyntaxTreeNode], line: int) -> list[Inline]:
        """Inlines of a paragraph-like block: its children are ``inline`` nodes."""
        out: list[Inline] = []
        for node in nodes:
            if node.type == "inline":
                out.extend(self.inlines(node.children, _line_of(node, line)))
            else:
                out.extend(self.inline(node, line))
        return _merge_text(out)

    def inlines(self, nodes: list[SyntaxTreeNode], line: int) -> list[Inline]:
        out: list[Inline] = []
        for node in nodes:
            out.extend(self.inline(node, line))
            if node.type in ("softbreak", "hardbreak"):
                line += 1  # a problem names the line it is on, not its paragraph's first
        return _merge_text(out)

    def inline(self, node: SyntaxTreeNode, line: int) -> list[Inline]:
        kind = node.type
        if kind in ("text", "text_special"):
            return [Text(node.content)]
        if kind == "softbreak":
            return [LineBreak()] if self.breaks else [Text(" ")]
        if kind == "hardbreak":
            return [LineBreak()]
        if kind == "strong":
            return [Bold(tuple(self.inlines(node.children, line)))]
        if kind == "em":
            return [Italic(tuple(self.inlines(node.children, line)))]
        if kind == "s":
            return [Strike(tuple(self.inlines(node.children, line)))]
        if kind == "code_inline":
            return [Code(node.content)]
        if kind == "link":
            return self.link(node, line)
        if kind == "image":
            self.report("markup_image", line)
            alt = node.content or str(node.attrs.get("src", ""))
            return [Text(alt)] if alt else []
        if kind == "html_inline":
            for tag in _html_tags(node.content):
                self.report("markup_html", line, tag=tag)
            text = _html_text(node.content)
            return [Text(text)] if text else []
        if node.children:
            return self.inlines(node.children, line)
        return [Text(node.content)] if node.content else []

    def link(self, node: SyntaxTreeNode, line: int) -> list[Inline]:
        href = str(node.attrs.get("href", ""))
        children = self.inlines(node.children, line)
        if is_safe_href(href):
            return [Link(href, tuple(children))]
        self.report("markup_link", line, href=href)
        return children or ([Text(href)] if href else [])


def _line_of(node: SyntaxTreeNode, default: int) -> int:
    # markdown-it maps are 0-based [start, end) line ranges; only block-level nodes have them.
    return node.map[0] + 1 if node.map else default


def _list_start(node: SyntaxTreeNode) -> int:
    # markdown-it only sets "start" when the list does not begin at 1.
    start = node.attrs.get("start", 1)
    if isinstance(start, int):
        return start
    return int(start) if isinstance(start, str) and start.isdigit() else 1


def _paragraph(inlines: list[Inline]) -> list[Block]:
    # A paragraph that degraded to nothing (e.g. a lone HTML comment) is left out entirely; its
    # problem has already been reported.
    if not any(not isinstance(node, Text) or node.text.strip() for node in inlines):
        return []
    return [Paragraph(tuple(_strip_edges(inlines)))]


def _strip_edges(inlines: list[Inline]) -> list[Inline]:
    """Trim whitespace and line breaks at both ends of a paragraph made from degraded markup."""
    items = list(inlines)
    while items and (isinstance(items[0], LineBreak) or items[0] == Text("")):
        items.pop(0)
    while items and (isinstance(items[-1], LineBreak) or items[-1] == Text("")):
        items.pop()
    if items and isinstance(items[0], Text):
        items[0] = Text(items[0].text.lstrip())
    if items and isinstance(items[-1], Text):
        items[-1] = Text(items[-1].text.rstrip())
    return [item for item in items if item != Text("")]


def _merge_text(inlines: list[Inline]) -> list[Inline]:
    """Join neighbouring Text nodes, so that equal documents compare equal."""
    out: list[Inline] = []
    for node in inlines:
        if isinstance(node, Text) and out and isinstance(out[-1], Text):
            out[-1] = Text(out[-1].text + node.text)
        elif node != Text(""):
            out.append(node)
    return out


def _lines_as_inlines(text: str) -> list[Inline]:
    out: list[Inline] = []
    for line in (part.strip() for part in text.splitlines()):
        if not line:
            continue
        if out:
            out.append(LineBreak())
        out.append(Text(line))
    return out


# Degrading raw HTML only needs its visible text, and must never fail whatever the input, so a few
# regular expressions are used rather than html.parser (whose markup-declaration handling can
# raise on malformed input such as "<![x").
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_HTML_HIDDEN = re.compile(r"<(script|style)\b.*?(?:</\1\s*>|$)", re.DOTALL | re.IGNORECASE)
_HTML_BREAK = re.compile(r"<(?:br|/?(?:p|div|li|tr|h[1-6]))\b[^>]*>", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>]*>")


_HTML_TAG_NAME = re.compile(r"<\s*/?\s*([A-Za-z][A-Za-z0-9-]*)|<!--")


def _html_tags(fragment: str) -> list[str]:
    """The distinct tags in ``fragment`` as a person would name them (``<b>``, also for
    ``</b>``; ``<!-- -->`` for a comment), in order; the fragment itself if it has none."""
    tags: list[str] = []
    for match in _HTML_TAG_NAME.finditer(fragment):
        tag = f"<{match.group(1).lower()}>" if match.group(1) else "<!-- -->"
        if tag not in tags:
            tags.append(tag)
    return tags or [fragment.strip()[:40]]


def _html_text(fragment: str) -> str:
    """The text a browser would show for ``fragment``, roughly: tags, comments, scripts and
    styles removed, entities decoded, block tags turned into newlines."""
    text = _HTML_COMMENT.sub("", fragment)
    text = _HTML_HIDDEN.sub("", text)
    text = _HTML_BREAK.sub("\n", text)
    text = _HTML_TAG.sub("", text)
    return html.unescape(text)
