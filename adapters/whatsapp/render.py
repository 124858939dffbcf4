"""Announcements as WhatsApp Cloud API messages.

Message kinds (the payloads :meth:`WhatsAppAdapter.send` accepts):

* ``text``: ``{"body"}`` in WhatsApp's formatting (``*bold*``, ``_italic_``, ``~strike~``), at
  most 4096 characters (split at paragraph, line or word boundaries). The first part also
  carries ``template``: the fields (title, body, verify_url, short_code) the adapter fills its
  approved template with when the recipient's 24-hour window is closed. A poll sent as text has
  ``"poll": true``.
* ``buttons``: ``{"body", "options"}``: a single-choice poll of at most 3 options of at most 20
  characters, as reply buttons (button ids ``opt:<index>``).
* ``list``: ``{"body", "button", "options"}``: a single-choice poll of at most 10 options of at
  most 24 characters, as a list message.

Any other poll (more options, longer ones, multiple choice) is sent as numbered text ending in
"Balas 1 / 2 / 3"; a reply with the number is a vote (see :mod:`broadcaster.inbox`). For
``audience = "admins"`` the text starts with a note asking the admin to forward it to the group.
"""

from __future__ import annotations

import re
from typing import Any

from adapters.textual import footer_lines, poll_text
from broadcaster.adapter import ChannelMessage, RenderContext
from content.i18n import t
from content.markup import parse, to_plain, to_whatsapp, wrap_lines
from content.model import Announcement

MAX_TEXT = 4096
MAX_INTERACTIVE_BODY = 1024
BUTTONS_MAX, BUTTON_TITLE_MAX = 3, 20
LIST_MAX, ROW_TITLE_MAX = 10, 24
TEMPLATE_PARAM_MAX = 1024
OPTION_PREFIX = "opt:"


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """``text`` in parts of at most ``limit`` characters, cut at the last paragraph break,
    else line break, else space before the limit (a hard cut only for one endless word)."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = window.rfind(separator, 0, limit)
            if cut > 0:
                break
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def template_text(text: str, limit: int = TEMPLATE_PARAM_MAX) -> str:
    """A template parameter: Meta refuses new lines, tabs and runs of spaces in them."""
    flat = re.sub(r"\s+", " ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def render_messages(
    announcement: Announcement, language: str, ctx: RenderContext, *, audience: str
) -> list[ChannelMessage]:
    variant = announcement.variant(language)
    title = variant.title.strip()
    sections = [
        t("wa.relay_note", language) if audience == "admins" else "",
        wrap_lines("*", title) if title else "",
        to_whatsapp(parse(variant.body).document).strip(),
        "\n".join(t("attachment_line", language, url=a.url) for a in announcement.attachments),
        "\n".join(footer_lines(announcement, language, ctx)),
    ]
    text = "\n\n".join(section for section in sections if section)
    as_text = poll_text(announcement, language)
    plain_body = to_plain(parse(variant.body).document)
    template: dict[str, Any] = {
        "title": template_text(title or ctx.short_code, 60),
        "body": template_text("\n".join(p for p in (plain_body, as_text or "") if p)),
        "verify_url": ctx.verify_url or "-",
        "short_code": ctx.short_code,
        "has_poll": announcement.poll is not None,
    }
    messages = [
        ChannelMessage("text", {"body": part, **({"template": template} if i == 0 else {})})
        for i, part in enumerate(split_text(text))
    ]
    poll = announcement.poll
    if poll is None:
        return messages
    question, options = poll.text_for(language)
    options = [option.strip() for option in options]
    fits_body = 0 < len(question.strip()) <= MAX_INTERACTIVE_BODY
    if not poll.multiple and fits_body and len(options) >= 2:
        if len(options) <= BUTTONS_MAX and all(len(o) <= BUTTON_TITLE_MAX for o in options):
            messages.append(
                ChannelMessage("buttons", {"body": question.strip(), "options": options})
            )
            return messages
        if len(options) <= LIST_MAX and all(len(o) <= ROW_TITLE_MAX for o in options):
            payload = {"body": question.strip(), "button": t("wa.choose", language)[:20]}
            messages.append(ChannelMessage("list", {**payload, "options": options}))
            return messages
    messages += [
        ChannelMessage("text", {"body": part, "poll": True}) for part in split_text(as_text or "")
    ]
    return messages


def option_index(reply_id: str) -> int | None:
    """The option index a button or list row id (``opt:<index>``) stands for."""
    if not reply_id.startswith(OPTION_PREFIX):
        return None
    value = reply_id[len(OPTION_PREFIX) :]
    return int(value) if value.isdigit() else None


def request_body(to: str, kind: str, payload: Any) -> dict[str, Any]:
    """The Cloud API ``/messages`` body for one rendered message."""
    base: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual"}
    base["to"] = to
    if kind == "text":
        return {**base, "type": "text", "text": {"preview_url": False, "body": payload["body"]}}
    options = [str(o) for o in payload["options"]]
    ids = [f"{OPTION_PREFIX}{i}" for i in range(len(options))]
    if kind == "buttons":
        buttons = [
            {"type": "reply", "reply": {"id": i, "title": title}}
            for i, title in zip(ids, options, strict=True)
        ]
        interactive: dict[str, Any] = {
            "type": "button",
            "body": {"text": payload["body"]},
            "action": {"buttons": buttons},
        }
    else:
        rows = [{"id": i, "title": title} for i, title in zip(ids, options, strict=True)]
        interactive = {
            "type": "list",
            "body": {"text": payload["body"]},
            "action": {"button": payload["button"], "sections": [{"rows": rows}]},
        }
    return {**base, "type": "interactive", "interactive": interactive}


def template_body(
    to: str, name: str, language: str, fields: tuple[str, ...], values: Any
) -> dict[str, Any]:
    """A template message filling the body parameters from ``values`` in ``fields`` order."""
    parameters = [{"type": "text", "text": str(values.get(f) or "-")} for f in fields]
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": language},
            "components": [{"type": "body", "parameters": parameters}] if parameters else [],
        },
    }
