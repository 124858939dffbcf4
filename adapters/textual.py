"""Plain-text composition shared by adapters that have no markup of their own."""

from __future__ import annotations

from broadcaster.adapter import RenderContext
from content.i18n import t
from content.markup import parse, to_plain
from content.model import Announcement


def footer_lines(announcement: Announcement, language: str, ctx: RenderContext) -> list[str]:
    """The source and "Cek keaslian" lines that close every message."""
    lines = []
    if announcement.source:
        lines.append(t("source_line", language, source=announcement.source))
    if ctx.verify_url:
        lines.append(t("verify_line", language, url=ctx.verify_url))
    return lines


def plain_text(announcement: Announcement, language: str, ctx: RenderContext) -> str:
    """Title, body as readable plain text, then the footer lines."""
    variant = announcement.variant(language)
    parts = [variant.title.strip(), to_plain(parse(variant.body).document).strip()]
    if announcement.attachments:
        parts.append(
            "\n".join(
                t("attachment_line", language, url=item.url)
                + (f" ({item.caption})" if item.caption else "")
                for item in announcement.attachments
            )
        )
    footer = footer_lines(announcement, language, ctx)
    if footer:
        parts.append("\n".join(footer))
    return "\n\n".join(p for p in parts if p)


def poll_text(announcement: Announcement, language: str) -> str | None:
    """The poll as numbered text with a "reply with the number" line (None without a poll)."""
    poll = announcement.poll
    if poll is None:
        return None
    question, options = poll.text_for(language)
    numbered = "\n".join(f"{i}. {option}" for i, option in enumerate(options, start=1))
    choices = " / ".join(str(i) for i in range(1, len(options) + 1))
    return "\n\n".join(
        [
            f"{t('poll_header', language)}: {question}",
            numbered,
            t("reply_with_number", language, choices=choices),
        ]
    )
