"""Announcements as one email: the shared part of every recipient's message.

``render`` runs once per announcement and language (the core caches it), so it produces only
what every recipient shares; :mod:`adapters.email.compose` adds each recipient's own vote and
unsubscribe links when the message is sent.

Payload of the single ``email`` message::

    {"subject", "language", "text", "html", "priority",
     "poll": None | {"question", "options", "multiple", "closes_at": unix time | None}}

``text`` is readable plain text (title, body, attachment links, source and "Cek keaslian"
lines); ``html`` is the same as an escaped HTML fragment (:class:`content.markup.HtmlRenderer`,
which allows only a small safe tag set). The subject is the title, prefixed with
``[DARURAT]`` / ``[PENTING]`` for emergency and urgent announcements.
"""

from __future__ import annotations

from html import escape
from typing import Any

from adapters.textual import footer_lines, plain_text
from broadcaster.adapter import ChannelMessage, RenderContext
from content.i18n import t
from content.markup import is_safe_href, parse, to_html
from content.model import Announcement, Priority

KIND = "email"


def subject_line(announcement: Announcement, language: str) -> str:
    title = " ".join(announcement.variant(language).title.split())
    if announcement.priority is Priority.emergency:
        return f"[{t('priority_emergency', language)}] {title}"
    if announcement.priority is Priority.urgent:
        return f"[{t('priority_urgent', language)}] {title}"
    return title


def body_html(announcement: Announcement, language: str, ctx: RenderContext) -> str:
    variant = announcement.variant(language)
    parts = [
        f"<h2>{escape(variant.title.strip(), quote=False)}</h2>",
        to_html(parse(variant.body).document),
    ]
    if announcement.attachments:
        items = []
        for item in announcement.attachments:
            label = escape(item.caption or item.url, quote=False)
            if is_safe_href(item.url):
                label = f'<a href="{escape(item.url, quote=True)}">{label}</a>'
            items.append(f"<li>{label}</li>")
        parts.append("<ul>\n" + "\n".join(items) + "\n</ul>")
    footer = []
    for line in footer_lines(announcement, language, ctx):
        footer.append(escape(line, quote=False))
    if ctx.verify_url and is_safe_href(ctx.verify_url):
        # the verification line as a link, so readers can check the message with one click
        url = escape(ctx.verify_url, quote=False)
        link = f'<a href="{escape(ctx.verify_url, quote=True)}">{url}</a>'
        footer = [line.replace(url, link) for line in footer]
    if footer:
        parts.append('<p class="footer">' + "<br>\n".join(footer) + "</p>")
    return "\n".join(parts)


def render_email(
    announcement: Announcement, language: str, ctx: RenderContext
) -> list[ChannelMessage]:
    """The one ``email`` message for ``language`` (see the module docstring)."""
    poll: dict[str, Any] | None = None
    if announcement.poll is not None:
        question, options = announcement.poll.text_for(language)
        closes = announcement.poll.closes_at
        poll = {
            "question": question.strip(),
            "options": [option.strip() for option in options],
            "multiple": announcement.poll.multiple,
            "closes_at": closes.timestamp() if closes is not None else None,
        }
    payload = {
        "subject": subject_line(announcement, language),
        "language": language,
        "priority": announcement.priority.value,
        "text": plain_text(announcement, language, ctx),
        "html": body_html(announcement, language, ctx),
        "poll": poll,
    }
    return [ChannelMessage(KIND, payload)]
