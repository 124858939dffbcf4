"""A rendered message as its reader will see it, as safe HTML for the dashboard's previews.

The channel renderers produce provider payloads (WhatsApp ``*bold*`` text, reply buttons and
list messages; Telegram HTML; e-mail text). Showing those raw (JSON, tags, asterisks) makes an
officer or verifier check something else than what residents will read, so each kind is drawn
the way the app shows it: WhatsApp formatting applied inside a chat bubble with its buttons or
list rows, Telegram's HTML reduced to the tags Telegram itself renders.

Everything coming from a payload is escaped; Telegram's HTML goes through ``nh3`` (an
allow-list HTML sanitizer) so a preview can never carry script or attributes of its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import nh3

#: the tags Telegram's ``parse_mode=HTML`` renders (https://core.telegram.org/bots/api#html-style)
TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a"}
TELEGRAM_TAGS |= {"blockquote"}

# WhatsApp's own markup (https://faq.whatsapp.com/539178204879377): ```mono```, *bold*,
# _italic_, ~strike~; a marker opens after a non-word character and closes before one.
_WA_RULES = (
    (re.compile(r"```(.+?)```", re.S), "code"),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), "strong"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), "em"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])"), "del"),
)


def whatsapp_html(text: str) -> str:
    """WhatsApp-formatted text as HTML (escaped first, so only our tags come out)."""
    out = escape(text, quote=False)
    for pattern, tag in _WA_RULES:
        out = pattern.sub(rf"<{tag}>\1</{tag}>", out)
    return out


def telegram_html(text: str) -> str:
    """Telegram HTML limited to what Telegram renders (links keep only their ``href``)."""
    return nh3.clean(
        text,
        tags=TELEGRAM_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "tg", "mailto"},
        link_rel="noopener noreferrer",
    )


def _options(payload: Mapping[str, Any]) -> list[str]:
    options: Sequence[Any] = payload.get("options", [])
    return [str(o.get("text", "")) if isinstance(o, Mapping) else str(o) for o in options]


def _bubble(inner: str) -> str:
    return f'<div class="bubble">{inner}</div>'


def _whatsapp(kind: str, payload: Mapping[str, Any]) -> str:
    text = str(payload.get("body", payload.get("text", "")))
    if kind == "buttons":
        buttons = "".join(f'<span class="wa-button">{escape(o)}</span>' for o in _options(payload))
        return _bubble(whatsapp_html(text) + f'<div class="wa-buttons">{buttons}</div>')
    if kind == "list":
        rows = "".join(f"<li>◯ {escape(o)}</li>" for o in _options(payload))
        button = escape(str(payload.get("button", "")))
        return _bubble(
            whatsapp_html(text)
            + f'<div class="wa-buttons"><span class="wa-button">☰ {button}</span></div>'
            + f'<ul class="wa-list">{rows}</ul>'
        )
    if kind == "poll":  # WAHA's native poll: question and options with check boxes
        question = escape(str(payload.get("name", payload.get("question", ""))))
        rows = "".join(f"<li>◯ {escape(o)}</li>" for o in _options(payload))
        return _bubble(f'<strong>{question}</strong><ul class="wa-list">{rows}</ul>')
    return _bubble(whatsapp_html(text))


def message_html(channel: str, kind: str, payload: Mapping[str, Any]) -> str:
    """One rendered message as safe HTML, drawn as ``channel`` shows it."""
    if channel == "whatsapp":
        return f'<div class="wa">{_whatsapp(kind, payload)}</div>'
    if "question" in payload:  # a native poll (Telegram): question, then the options
        rows = "".join(f"<li>◯ {escape(o)}</li>" for o in _options(payload))
        question = escape(str(payload["question"]))
        listed = f'<ul class="plain">{rows}</ul>'
        return f'<div class="rendered"><strong>{question}</strong>{listed}</div>'
    if channel == "telegram" and "text" in payload:
        return f'<div class="rendered">{telegram_html(str(payload["text"]))}</div>'
    if "url" in payload:
        url, caption = str(payload["url"]), str(payload.get("caption", ""))
        return f'<div class="rendered">{escape(url)}\n{telegram_html(caption)}</div>'
    if "subject" in payload:  # e-mail: the subject line, then the plain text part
        subject = escape(str(payload["subject"]))
        body = escape(str(payload.get("text", "")))
        return f'<div class="rendered"><strong>{subject}</strong>\n\n{body}</div>'
    if "text" in payload:
        return f'<div class="rendered">{escape(str(payload["text"]))}</div>'
    raw = json.dumps(dict(payload), ensure_ascii=False, default=str, indent=1)
    return f'<pre class="rendered">{escape(raw)}</pre>'
