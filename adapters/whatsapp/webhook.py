"""The Cloud API webhook: ``GET``/``POST /whatsapp`` under ``/hooks/<account>``.

Contract, in order:

* ``GET``: Meta's verification. ``hub.mode=subscribe`` and ``hub.verify_token`` equal to the
  account's verify token (constant-time) → 200 with ``hub.challenge`` as plain text; else 403.
  No signature is involved (Meta sends none on GET).
* ``POST``: ``X-Hub-Signature-256: sha256=<hex>`` must be HMAC-SHA256(app secret, the exact raw
  body). Missing or malformed (not ``sha256=`` and 64 hex digits; non-ASCII included) → **401**
  before a byte of the body is read; wrong → **403** before the body is parsed, so a bad
  signature changes nothing. The body is read up to ``http.max_body`` (413 beyond). Then the
  JSON is parsed into events (:func:`parse_events`) and each goes to the core's sink, which
  deduplicates them (Meta redelivers for days). 200 once applied; 500 when the core failed,
  so Meta delivers it again.
* A text that is a self-service command (``DAFTAR …``, ``BERHENTI``/``STOP``/``UNSUBSCRIBE``,
  ``LANJUT``, ``STATUS``, ``BANTUAN``; :mod:`broadcaster.commands`) is a ``command`` event of a
  1:1 chat (``direct``): the resident subscribes or opts out for themselves.
* ``LAPOR <teks>``, a media message captioned LAPOR, or a forwarded message accompanied by a
  bare LAPOR is a hoax ``report`` (:mod:`adapters.whatsapp.reports`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from broadcaster.adapter import InboundEvent
from broadcaster.commands import parse_command

from .render import option_index
from .reports import FORWARD_KEY, forwarded_report, report_event

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
PATH = "/whatsapp"

EventHandler = Callable[[list[InboundEvent]], Awaitable[None]]


SIGNATURE = re.compile(r"sha256=[0-9a-fA-F]{64}")  # ASCII only: odd bytes are a 401, not a 500


def signature_well_formed(header: str) -> bool:
    return SIGNATURE.fullmatch(header.strip()) is not None


def signature_ok(secret: str, body: bytes, header: str) -> bool:
    if not signature_well_formed(header):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    given = header.strip().removeprefix("sha256=").lower()
    return hmac.compare_digest(expected.encode(), given.encode())


def webhook_routes(
    account: str,
    app_secret: Callable[[], str | None],
    verify_token: Callable[[], str | None],
    handle: EventHandler,
) -> list[BaseRoute]:
    """The account's routes. The secrets are read when a request comes (they are known once
    the account started); before that every request gets 503."""

    async def verify(request: Request) -> Response:
        expected = verify_token()
        if expected is None:
            return PlainTextResponse("not ready", status_code=503)
        q = request.query_params
        given = q.get("hub.verify_token", "")
        if q.get("hub.mode") == "subscribe" and hmac.compare_digest(
            given.encode(), expected.encode()
        ):
            return PlainTextResponse(q.get("hub.challenge", ""))
        return PlainTextResponse("Forbidden", status_code=403)

    async def receive(request: Request) -> Response:
        header = request.headers.get(SIGNATURE_HEADER)
        if not header:
            return JSONResponse({"error": "signature missing"}, status_code=401)
        if not signature_well_formed(header):
            return JSONResponse({"error": "signature malformed"}, status_code=401)
        secret = app_secret()
        if secret is None:
            return JSONResponse({"error": "not ready"}, status_code=503)
        raw = await request.body()  # only now, and at most http.max_body bytes
        if not signature_ok(secret, raw, header):
            log.warning("whatsapp %s: webhook with a wrong signature refused", account)
            return JSONResponse({"error": "signature mismatch"}, status_code=403)
        try:
            payload = json.loads(raw)
        except ValueError:
            return JSONResponse({"error": "body is not JSON"}, status_code=400)
        try:
            await handle(list(parse_events(account, payload)))
        except Exception:
            log.exception("whatsapp %s: webhook not applied", account)
            return JSONResponse({"error": "internal error"}, status_code=500)
        return JSONResponse({"ok": True})

    return [Route(PATH, verify, methods=["GET"]), Route(PATH, receive, methods=["POST"])]


def _at(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError):
        return None


def parse_events(account: str, payload: Any) -> Iterator[InboundEvent]:
    """Core events from one webhook body (unknown shapes are skipped, never guessed)."""
    if not isinstance(payload, dict):
        return
    for entry in payload.get("entry") or []:
        for change in entry.get("changes") or []:
            value = change.get("value")
            if change.get("field") != "messages" or not isinstance(value, dict):
                continue
            for message in value.get("messages") or []:
                event = _message_event(account, message)
                if event is not None:
                    yield event
            for status in value.get("statuses") or []:
                yield from _status_events(account, status)
            for error in value.get("errors") or []:
                log.warning("whatsapp %s: system error from Meta: %s", account, error)


def _message_event(account: str, message: dict[str, Any]) -> InboundEvent | None:
    sender, message_id = str(message.get("from", "")), str(message.get("id", ""))
    if not sender or not message_id:
        return None
    at = _at(message.get("timestamp"))
    report = report_event(account, message, sender, message_id, at)
    if report is not None:
        return report  # LAPOR …: a hoax report (adapters.whatsapp.reports)
    event = _plain_event(account, message, sender, message_id, at)
    forward = forwarded_report(message, sender, message_id)
    if event is not None and forward is not None:
        # kept aside for a LAPOR that may accompany it (reports.Pairing); removed before the core
        event = replace(event, data={**event.data, FORWARD_KEY: forward})
    return event


def _plain_event(
    account: str, message: dict[str, Any], sender: str, message_id: str, at: datetime | None
) -> InboundEvent | None:
    context = (message.get("context") or {}).get("id")
    kind = message.get("type")
    if kind == "text":
        text = str((message.get("text") or {}).get("body", ""))
        parsed = parse_command(text)
        if parsed is not None:
            # DAFTAR / BERHENTI (STOP) / …: a 1:1 chat, the writer acts for themselves
            command = {"command": parsed[0], "args": parsed[1], "user": sender, "direct": True}
            return InboundEvent("command", account, message_id, sender, command, at)
        data = {"user": sender, "text": text, "context": context}
        return InboundEvent("reply", account, message_id, sender, data, at)
    if kind == "interactive":
        interactive = message.get("interactive") or {}
        reply = interactive.get("button_reply") or interactive.get("list_reply") or {}
        index = option_index(str(reply.get("id", "")))
        if index is None or not context:
            log.info("whatsapp %s: interactive reply without a poll option ignored", account)
            return InboundEvent("opened", account, message_id, sender, {}, at)
        data = {"poll_id": str(context), "user": sender, "options": [index]}
        return InboundEvent("vote", account, message_id, sender, data, at)
    # any other message (image, sticker, ...) still opens the 24-hour window
    return InboundEvent("opened", account, message_id, sender, {}, at)


def _status_events(account: str, status: dict[str, Any]) -> Iterator[InboundEvent]:
    message_id, state = str(status.get("id", "")), str(status.get("status", ""))
    if not message_id or state not in ("sent", "delivered", "read", "failed"):
        return
    recipient = str(status.get("recipient_id", "")) or None
    at = _at(status.get("timestamp"))
    errors = status.get("errors") or []
    error = None
    code = None
    if errors:
        first = errors[0]
        code = first.get("code")
        details = (first.get("error_data") or {}).get("details")
        error = f"{code} {first.get('title', '')}".strip() + (f": {details}" if details else "")
    data = {"message_id": message_id, "status": state, "error": error}
    yield InboundEvent("status", account, f"{message_id}:{state}", recipient, data, at)
    if state == "failed" and code == 131026 and recipient:
        reason = f"unreachable on WhatsApp (131026): {error}"
        yield InboundEvent("left", account, f"{message_id}:gone", recipient, {"reason": reason}, at)
