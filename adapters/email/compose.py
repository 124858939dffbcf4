"""One recipient's email: the rendered announcement plus that recipient's own links and headers.

Every message is ``multipart/alternative`` (text, then HTML) with:

* ``Message-ID`` naming the recipient under a signature (:meth:`Signer.message_id`), so a reply's
  ``In-Reply-To``/``References`` lead back to the group without any stored state; ``Date``;
* ``Reply-To: local+tag@domain`` (the tag proves a reply from this address answers our mail);
* ``List-Id``; ``List-Unsubscribe`` with an https one-click URL and a ``mailto:`` whose subject
  carries the signed token; ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058);
* ``Auto-Submitted: auto-generated`` (RFC 3834), ``Precedence: bulk`` and
  ``X-Auto-Response-Suppress: All`` so auto-responders stay quiet.

A poll becomes one signed link per option (poll id, recipient, option, expiry: the poll's
closing time, else ``vote_link_days`` after sending). The poll id is the random part of the
Message-ID, so every (announcement, group) has its own.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from html import escape
from typing import Any
from urllib.parse import quote

from broadcaster.errors import PermanentError
from content.i18n import t

from .links import Signer
from .settings import EmailSettings

UNSUBSCRIBE_WORD = "berhenti"

_STYLE = (
    "body{font-family:Arial,Helvetica,sans-serif;line-height:1.5;color:#1a1a1a;max-width:640px;"
    "margin:0 auto;padding:16px}h2{font-size:1.3em}a.choice{display:block;margin:6px 0;"
    "padding:10px 14px;border:1px solid #0b5394;border-radius:6px;color:#0b5394;"
    "text-decoration:none}.footer,.small{color:#555;font-size:.9em}"
)


@dataclass(frozen=True)
class Composed:
    message: EmailMessage
    message_id: str
    poll_id: str | None


class Composer:
    """Builds messages for one account (settings, signer) — see the module docstring."""

    def __init__(self, settings: EmailSettings, signer: Signer) -> None:
        self.settings = settings
        self.signer = signer

    def url(self, path: str, token: str) -> str:
        return f"{self.settings.public_url}/hooks/{self.settings.account}/{path}/{token}"

    def reply_to(self, recipient: str) -> str:
        local, _, domain = parseaddr(self.settings.reply_address)[1].rpartition("@")
        return f"{local}+{self.signer.reply_tag(recipient)}@{domain}"

    def unsubscribe_mailto(self, token: str) -> str:
        address = parseaddr(self.settings.reply_address)[1]
        return f"mailto:{address}?subject={quote(f'{UNSUBSCRIBE_WORD} {token}')}"

    def _headers(
        self, message: EmailMessage, recipient: str, subject: str, language: str
    ) -> tuple[str, str, str]:
        s = self.settings
        message_id, nonce = self.signer.message_id(recipient, s.domain)
        token = self.signer.unsubscribe_token(recipient, language)
        unsubscribe_url = self.url("unsubscribe", token)
        message["From"] = s.from_address
        message["To"] = recipient
        message["Subject"] = subject
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = message_id
        message["Reply-To"] = self.reply_to(recipient)
        message["List-Id"] = f'"{s.list_name}" <{s.list_id}>'
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>, <{self.unsubscribe_mailto(token)}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["Auto-Submitted"] = "auto-generated"
        message["Precedence"] = "bulk"
        message["X-Auto-Response-Suppress"] = "All"
        return message_id, nonce, unsubscribe_url

    def compose(self, payload: Mapping[str, Any], recipient: str) -> Composed:
        """The complete message of a rendered ``email`` payload for ``recipient``."""
        subject, text, html = payload.get("subject"), payload.get("text"), payload.get("html")
        if not isinstance(subject, str) or not isinstance(text, str) or not isinstance(html, str):
            raise PermanentError("email message without subject, text or html")
        language = str(payload.get("language") or "id")
        message = EmailMessage()
        message_id, nonce, unsubscribe_url = self._headers(message, recipient, subject, language)
        poll = payload.get("poll")
        poll_text = poll_html = ""
        if isinstance(poll, Mapping):
            poll_text, poll_html = self._poll(poll, nonce, recipient, language)
        why = t("email.why", language, address=recipient)
        unsubscribe = t("unsubscribe_line", language, url=unsubscribe_url)
        text_body = "\n\n".join(
            part for part in (text, poll_text, f"--\n{why}\n{unsubscribe}") if part
        )
        unsubscribe_html = t(
            "unsubscribe_line",
            language,
            url=f'<a href="{escape(unsubscribe_url, quote=True)}">{escape(unsubscribe_url)}</a>',
        )
        html_doc = (
            f'<!DOCTYPE html>\n<html lang="{escape(language, quote=True)}"><head>'
            f'<meta charset="utf-8"><title>{escape(subject)}</title><style>{_STYLE}</style>'
            f"</head><body>\n{html}\n{poll_html}\n"
            f'<hr><p class="small">{escape(why)}<br>\n{unsubscribe_html}</p>\n</body></html>\n'
        )
        message.set_content(text_body, cte="quoted-printable")
        message.add_alternative(html_doc, subtype="html", cte="quoted-printable")
        message["Content-Language"] = language  # after set_content, which drops Content-*
        return Composed(message, message_id, nonce if poll_text else None)

    def _poll(
        self, poll: Mapping[str, Any], poll_id: str, recipient: str, language: str
    ) -> tuple[str, str]:
        question = str(poll.get("question", ""))
        options = [str(option) for option in poll.get("options", [])]
        if not options:
            return "", ""
        closes = poll.get("closes_at")
        expires = (
            float(closes)
            if isinstance(closes, int | float)
            else time.time() + self.settings.vote_link_days * 86400
        )
        links = [
            self.url("vote", self.signer.vote_token(poll_id, i, expires, recipient, language, o))
            for i, o in enumerate(options)
        ]
        header = f"{t('poll_header', language)}: {question}"
        hint = t("email.poll_click", language)
        text_lines = [header, hint, ""]
        text_lines += [
            f"{i}. {o}: {u}" for i, (o, u) in enumerate(zip(options, links, strict=True), 1)
        ]
        html_links = "\n".join(
            f'<a class="choice" href="{escape(u, quote=True)}">{i}. {escape(o)}</a>'
            for i, (o, u) in enumerate(zip(options, links, strict=True), 1)
        )
        html = (
            f'<div class="poll"><h3>{escape(header)}</h3>\n<p>{escape(hint)}</p>\n'
            f"{html_links}\n</div>"
        )
        return "\n".join(text_lines), html

    def notice(self, recipient: str, text: str, language: str = "id") -> EmailMessage:
        """A short plain service message (confirmations) with the same list headers."""
        message = EmailMessage()
        subject = t("email.page_title", language)
        self._headers(message, recipient, subject, language)
        message.set_content(text, cte="quoted-printable")
        message["Content-Language"] = language
        return message
