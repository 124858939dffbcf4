"""WhatsApp's formatting syntax: ``*bold*``, ``_italic_``, ``~strike~`` and `````code`````.

WhatsApp only recognises a marker pair within one line and when the markers touch the text, so
formatted spans are wrapped line by line and surrounding spaces are kept outside the markers:
"**a  \\nb**" becomes "*a*\\n*b*", never a dangling "*a" that would show a stray asterisk. A style
nested in itself (bold inside a heading, which is also bold) is not marked twice, since "**x**"
shows its asterisks.

Lists, quotes and links keep the plain-text layout ("• item", "1. item", "> quote", "label
(address)"), which WhatsApp shows as intended. Headings become bold lines. WhatsApp has no escape
syntax, so literal ``*``, ``_`` and ``~`` in the text are passed through unchanged.
"""

from __future__ import annotations

from collections import Counter

from content.markup.nodes import Block, Bold, Document, Heading, Inline, Italic, Strike
from content.markup.render import BlockRenderer

__all__ = ["WhatsAppRenderer", "to_whatsapp", "wrap_lines"]

MONOSPACE = "```"
_MARKERS: dict[type, str] = {Bold: "*", Italic: "_", Strike: "~"}


class WhatsAppRenderer(BlockRenderer):
    """Keeps count of the styles open while rendering, so one instance must not render two
    documents at the same time (:func:`to_whatsapp` uses a fresh one per call)."""

    def __init__(self) -> None:
        self._open: Counter[str] = Counter()

    def inline(self, node: Inline) -> str:
        marker = _MARKERS.get(type(node))
        if marker is None:
            return super().inline(node)
        self._open[marker] += 1
        try:
            return super().inline(node)
        finally:
            self._open[marker] -= 1

    def block(self, block: Block) -> str:
        if not isinstance(block, Heading):
            return super().block(block)
        self._open["*"] += 1  # a heading is bold, so bold inside it needs no markers
        try:
            inner = self.inlines(block.inlines)
        finally:
            self._open["*"] -= 1
        return wrap_lines("*", inner)

    def _style(self, marker: str, inner: str) -> str:
        # Called while the node's own count is still held, so "> 1" means an enclosing span
        # already applies this style.
        return inner if self._open[marker] > 1 else wrap_lines(marker, inner)

    def bold(self, inner: str) -> str:
        return self._style("*", inner)

    def italic(self, inner: str) -> str:
        return self._style("_", inner)

    def strike(self, inner: str) -> str:
        return self._style("~", inner)

    def code(self, text: str) -> str:
        return wrap_lines(MONOSPACE, text)

    def code_block(self, text: str) -> str:
        # A multi-line block stays one monospace span: WhatsApp honours ``` across lines.
        return f"{MONOSPACE}{text}{MONOSPACE}" if text.strip() else text


def wrap_lines(marker: str, inner: str) -> str:
    """Put ``marker`` around the non-blank part of every line of ``inner``."""
    out: list[str] = []
    for line in inner.split("\n"):
        core = line.strip()
        if not core:
            out.append(line)
            continue
        lead = line[: len(line) - len(line.lstrip())]
        trail = line[len(line.rstrip()) :]
        out.append(f"{lead}{marker}{core}{marker}{trail}")
    return "\n".join(out)


def to_whatsapp(document: Document) -> str:
    """``document`` in WhatsApp's formatting syntax (see the module docstring)."""
    return WhatsAppRenderer().render(document)
