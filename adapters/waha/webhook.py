"""The WAHA webhook: ``POST /waha`` under ``/hooks/<account>``.

``X-Webhook-Hmac`` must be the hex HMAC-SHA512 of the exact raw body under the account's key
(``hmac_key_env``; generated in the sandbox): while no key is known (an account not started
yet) every request → 503; a missing header, or one that is not 128 hex digits (non-ASCII
included) → 401 before a byte of the body is read; wrong → 403 — all before anything is
parsed. The body itself is read up to ``http.max_body`` (413 beyond; see
:mod:`broadcaster.bodylimit`).
Events (deduplicated by the core on WAHA's ids):

* ``message`` in a group, not from us → ``reply`` (address: the group; user: the participant;
  the adapter turns a command into a ``command`` with the author's role from the gateway);
  a reply that is only an option number is a vote (see :mod:`broadcaster.inbox`);
* ``message`` in a group whose first word is ``/lapor`` or ``LAPOR``, quoting a message →
  ``report`` (a bare one → the how-to ``command``; :mod:`adapters.waha.reports`);
* ``poll.vote`` on one of our polls → ``vote`` with the chosen options' texts;
* ``message.ack`` → ``status`` (1 sent, 2 delivered, 3-4 read, -1 failed);
* ``group.v2.join`` / ``group.v2.leave`` → ``joined`` / ``left`` (:mod:`adapters.waha.commands`);
* ``session.status`` → handed to the adapter (not WORKING pauses the number, with an alert).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from broadcaster.adapter import InboundEvent

from .commands import GROUP_EVENTS, group_events
from .reports import report_event

log = logging.getLogger(__name__)

HMAC_HEADER = "X-Webhook-Hmac"
SIGNATURE = re.compile(r"[0-9a-fA-F]{128}")  # hex SHA-512; ASCII only (no 500 on odd bytes)
PATH = "/waha"
ACKS = {1: "sent", 2: "delivered", 3: "read", 4: "read", -1: "failed"}

Handler = Callable[[list[InboundEvent]], Awaitable[None]]
SessionHandler = Callable[[str], None]


def webhook_routes(
    account: str, key: Callable[[], str | None], handle: Handler, on_session: SessionHandler
) -> list[BaseRoute]:
    async def receive(request: Request) -> Response:
        secret = key()
        if secret is None:  # never accept what cannot be checked
            return JSONResponse({"error": "webhook key not loaded yet"}, status_code=503)
        given = request.headers.get(HMAC_HEADER)
        if not given:
            return JSONResponse({"error": "signature missing"}, status_code=401)
        if not SIGNATURE.fullmatch(given.strip()):
            return JSONResponse({"error": "signature malformed"}, status_code=401)
        raw = await request.body()  # only now, and at most http.max_body bytes
        expected = hmac.new(secret.encode(), raw, hashlib.sha512).hexdigest()
        if not hmac.compare_digest(expected.encode(), given.strip().lower().encode()):
            log.warning("waha %s: webhook with a wrong signature refused", account)
            return JSONResponse({"error": "signature mismatch"}, status_code=403)
        try:
            envelope = json.loads(raw)
        except ValueError:
            return JSONResponse({"error": "body is not JSON"}, status_code=400)
        if not isinstance(envelope, dict):
            return JSONResponse({"error": "not a WAHA event"}, status_code=400)
        if envelope.get("event") == "session.status":
            on_session(str((envelope.get("payload") or {}).get("status", "")))
        try:
            await handle(list(parse_events(account, envelope)))
        except Exception:
            log.exception("waha %s: webhook not applied", account)
            return JSONResponse({"error": "internal error"}, status_code=500)
        return JSONResponse({"ok": True})

    return [Route(PATH, receive, methods=["POST"])]


def _at(value: Any) -> datetime | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    # WAHA sends seconds; some engines milliseconds
    return datetime.fromtimestamp(number / 1000 if number > 1e11 else number, UTC)


def parse_events(account: str, envelope: dict[str, Any]) -> Iterator[InboundEvent]:
    event, payload = envelope.get("event"), envelope.get("payload")
    if not isinstance(payload, dict):
        return
    if event == "message" and not payload.get("fromMe"):
        chat = str(payload.get("from", ""))
        if not chat.endswith("@g.us"):
            return  # 1:1 chats to the gateway number are not subscribed groups
        author = payload.get("participant") or payload.get("author")
        at = _at(payload.get("timestamp"))
        report = report_event(account, payload, chat, author, at)
        if report is not None:  # /lapor or LAPOR quoting a message: a hoax report
            yield report
            return
        data = {"user": author, "text": str(payload.get("body") or "")}
        yield InboundEvent("reply", account, str(payload.get("id")), chat, data, at)
    elif event == "poll.vote":
        vote, poll = payload.get("vote") or {}, payload.get("poll") or {}
        if not poll.get("fromMe") or not poll.get("id"):
            return  # a poll someone else sent
        data = {
            "poll_id": str(poll["id"]),
            "user": vote.get("from"),
            "option_texts": [str(o) for o in vote.get("selectedOptions") or []],
        }
        event_id = str(vote.get("id") or envelope.get("id"))
        yield InboundEvent(
            "vote", account, event_id, str(vote.get("to") or ""), data, _at(vote.get("timestamp"))
        )
    elif event in GROUP_EVENTS:
        yield from group_events(account, envelope)
    elif event == "message.ack" and payload.get("fromMe", True):
        status = ACKS.get(int(payload.get("ack", 0) or 0))
        message_id = payload.get("id")
        if status is None or not message_id:
            return
        data = {"message_id": str(message_id), "status": status}
        if status == "failed":
            data["error"] = "WhatsApp reported the message as not delivered (ack -1)"
        yield InboundEvent("status", account, f"{message_id}:{status}", None, data)
