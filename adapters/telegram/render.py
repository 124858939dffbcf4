"""Announcements as Telegram messages: HTML text (split to the length limit), then a native poll.

Layout of the text: the title in bold, a blank line, the body, a blank line, then the source and
"Cek keaslian" lines (:func:`adapters.textual.footer_lines`). The body keeps bold, italic,
strikethrough, inline code, code blocks, links and block quotes as Telegram HTML; headings become
bold lines; lists stay text ("• item", "1. item"), which Telegram shows as written. Every text and
attribute is escaped, so no content can inject markup.

Message kinds produced (the payloads :meth:`TelegramAdapter.send` accepts):

* ``text``: ``{"text", "parse_mode"}``; ``parse_mode`` is ``"HTML"`` or ``None`` (plain);
* ``poll``: ``{"question", "options", "is_anonymous", "allows_multiple_answers"}``, plain texts.

A poll Telegram cannot show natively (question over 300 characters, fewer than 2 or more than 12
options, an option over 100) is sent as a numbered text poll instead, so nothing is lost;
approved content never hits this, because validation applies the same limits.
"""

from __future__ import annotations

from html import escape

from adapters.textual import footer_lines, poll_text
from broadcaster.adapter import ChannelMessage, RenderContext
from content.markup import Block, Blockquote, HtmlInlines, parse
from content.model import Announcement
from content.validation import PollLimits

from .split import MAX_TEXT, split_html

PARSE_MODE = "HTML"


class TelegramHtml(HtmlInlines):
    """Neutral markup → Telegram HTML (tags from Telegram's supported set only).

    Keeps a block-quote depth while rendering, so one instance must not render two documents at
    the same time; :func:`body_html` uses a fresh one per call.
    """

    def __init__(self) -> None:
        self._quote_depth = 0

    def bold(self, inner: str) -> str:
        return f"<b>{inner}</b>"

    def italic(self, inner: str) -> str:
        return f"<i>{inner}</i>"

    def heading(self, level: int, inner: str) -> str:
        return f"<b>{inner}</b>"

    def code_block(self, text: str) -> str:
        return f"<pre>{self.text(text)}</pre>" if text.strip() else ""

    def block(self, block: Block) -> str:
        if not isinstance(block, Blockquote):
            return super().block(block)
        self._quote_depth += 1
        try:
            inner = self.blocks(block.blocks)
        finally:
            self._quote_depth -= 1
        if not inner:
            return ""
        if self._quote_depth:
            # Telegram does not nest block quotes: an inner quote keeps the "> " text form.
            return "\n".join(f"&gt; {line}" if line else "&gt;" for line in inner.split("\n"))
        return f"<blockquote>{inner}</blockquote>"


def body_html(body: str) -> str:
    """The Markdown ``body`` as Telegram HTML."""
    return TelegramHtml().render(parse(body).document)


def announcement_html(announcement: Announcement, language: str, ctx: RenderContext) -> str:
    """Title, body and footer of ``announcement`` in ``language`` as one HTML text."""
    variant = announcement.variant(language)
    title = variant.title.strip()
    footer = footer_lines(announcement, language, ctx)
    sections = [
        f"<b>{escape(title, quote=False)}</b>" if title else "",
        body_html(variant.body),
        "\n".join(escape(line, quote=False) for line in footer),
    ]
    return "\n\n".join(section for section in sections if section)


def poll_fits(question: str, options: list[str], limits: PollLimits) -> bool:
    """Whether Telegram can show this poll natively (lengths in characters, trimmed)."""
    return (
        0 < len(question.strip()) <= limits.question_max
        and limits.options_min <= len(options) <= limits.options_max
        and all(0 < len(option.strip()) <= limits.option_max for option in options)
    )


def render_messages(
    announcement: Announcement,
    language: str,
    ctx: RenderContext,
    *,
    anonymous_default: bool,
    poll_limits: PollLimits,
    text_limit: int = MAX_TEXT,
) -> list[ChannelMessage]:
    """Every message for one group, in sending order (see the module docstring)."""
    html = announcement_html(announcement, language, ctx)
    messages = [
        ChannelMessage("text", {"text": part, "parse_mode": PARSE_MODE})
        for part in split_html(html, text_limit)
    ]
    # photos and documents follow the text (by URL; captions are plain text, escaped)
    messages += [
        ChannelMessage(
            item.kind,
            {
                "url": item.url,
                "caption": escape(item.caption, quote=False),
                "parse_mode": PARSE_MODE,
            },
        )
        for item in announcement.attachments
    ]
    poll = announcement.poll
    if poll is None:
        return messages
    question, options = poll.text_for(language)
    if poll_fits(question, options, poll_limits):
        payload = {
            "question": question.strip(),
            "options": [option.strip() for option in options],
            "is_anonymous": anonymous_default if poll.anonymous is None else poll.anonymous,
            "allows_multiple_answers": poll.multiple,
        }
        messages.append(ChannelMessage("poll", payload))
        return messages
    as_text = poll_text(announcement, language) or ""
    messages += [
        ChannelMessage("text", {"text": part, "parse_mode": PARSE_MODE})
        for part in split_html(escape(as_text, quote=False), text_limit)
    ]
    return messages
