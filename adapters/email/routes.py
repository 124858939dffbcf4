"""Public HTTP routes of an email account, mounted by the core at ``/hooks/<account>``.

``GET /vote/{token}``
    records the vote the signed link stands for (poll, recipient, option) and shows a thank-you
    page in the email's language. Repeating a click changes nothing; another option's link
    replaces the vote. Tampered: 400; expired (poll closed or link too old): 410.
``GET /unsubscribe/{token}``
    a confirmation page with one button (mail scanners follow GET links; they must not
    unsubscribe anyone).
``POST /unsubscribe/{token}``
    RFC 8058 one-click (``List-Unsubscribe=One-Click`` form body, no cookies) and the page's
    button: pauses the address's group (a ``berhenti`` command from the address owner, audited
    by the core) and answers 200.

These routes are reachable by anyone, so the signature in the token is the authentication: it
is verified before anything else is read or done.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Route

from broadcaster.adapter import InboundEvent, InboundSink
from broadcaster.errors import InputError
from content.i18n import t

from .links import LinkExpired, Signer

log = logging.getLogger(__name__)

#: one unsubscribe event per address per window: a mail provider's retries and a double click
#: count once, while a later unsubscribe (after the group was resumed) still works
UNSUBSCRIBE_WINDOW = 600.0


def page(language: str, body: str, status: int = 200) -> HTMLResponse:
    title = escape(t("email.page_title", language))
    html = (
        f'<!DOCTYPE html>\n<html lang="{escape(language, quote=True)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>body{{font-family:Arial,Helvetica,sans-serif;"
        "max-width:560px;margin:40px auto;padding:0 16px;line-height:1.5}button{padding:10px "
        f"16px;font-size:1em}}</style></head><body><h1>{title}</h1>\n{body}\n</body></html>\n"
    )
    # no caching and no referrer: the URL is a credential for one vote or one address
    headers = {
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        # no script at all; the one inline style block; the unsubscribe form posts here
        "Content-Security-Policy": (
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'"
        ),
    }
    return HTMLResponse(html, status_code=status, headers=headers)


def email_routes(
    account: str,
    signer: Signer,
    sink: InboundSink,
    on_unsubscribe: Callable[[str], None] | None = None,
) -> list[BaseRoute]:
    """The routes above for ``account``; ``on_unsubscribe(address)`` is told of every
    accepted unsubscribe."""

    async def vote(request: Request) -> HTMLResponse:
        token = str(request.path_params["token"])
        try:
            v = signer.vote(token)
        except LinkExpired:
            return page("id", f"<p>{escape(t('email.vote_expired', 'id'))}</p>", 410)
        except InputError:
            return page("id", f"<p>{escape(t('email.link_invalid', 'id'))}</p>", 400)
        voter = hashlib.sha256(v.recipient.encode()).hexdigest()[:16]
        await sink(
            InboundEvent(
                kind="vote",
                account=account,
                # unique per click: a changed vote, and a change back, must both apply
                event_id=f"{v.poll_id}:{voter}:{v.option}:{secrets.token_hex(6)}",
                address=v.recipient,
                data={"poll_id": v.poll_id, "user": v.recipient, "options": [v.option]},
            )
        )
        choice = escape(v.label) if v.label else str(v.option + 1)
        thanks = escape(t("vote_recorded", v.language, choice="")).rstrip()
        hint = escape(t("email.vote_change_hint", v.language))
        body = f"<p>{thanks} <strong>{choice}</strong></p>\n<p>{hint}</p>"
        return page(v.language, body)

    async def unsubscribe(request: Request) -> HTMLResponse:
        token = str(request.path_params["token"])
        try:
            address, language = signer.unsubscriber(token)
        except InputError:
            return page("id", f"<p>{escape(t('email.link_invalid', 'id'))}</p>", 400)
        if request.method == "GET":
            question = escape(t("email.unsubscribe_confirm", language, address=address))
            button = escape(t("email.unsubscribe_button", language))
            form = (
                f'<p>{question}</p>\n<form method="post">'
                '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
                f'<button type="submit">{button}</button></form>'
            )
            return page(language, form)
        window = int(time.time() // UNSUBSCRIBE_WINDOW)
        await sink(
            InboundEvent(
                kind="command",
                account=account,
                event_id=f"unsubscribe:{address}:{window}",
                address=address,
                data={"command": "berhenti", "args": [], "user": address, "is_admin": True},
            )
        )
        if on_unsubscribe is not None:
            on_unsubscribe(address)
        log.info("email account %s: one-click unsubscribe accepted", account)
        return page(
            language, f"<p>{escape(t('email.unsubscribed', language, address=address))}</p>"
        )

    return [
        Route("/vote/{token}", vote, methods=["GET"]),
        Route("/unsubscribe/{token}", unsubscribe, methods=["GET", "POST"]),
    ]
