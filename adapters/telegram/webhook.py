"""The webhook endpoint Telegram POSTs updates to (``updates = "webhook"``).

The core mounts an account's routes under ``/hooks/<account>``; this module gives one route,
``POST /telegram``, so the URL to register is ``<public base>/hooks/<account>/telegram``.

Contract, in order:

1. The ``X-Telegram-Bot-Api-Secret-Token`` header must equal the account's secret (compared in
   constant time). Missing or wrong: **401**, and nothing is read, parsed or changed.
2. The body goes to the handler (:meth:`~adapters.telegram.inbound.TelegramInbound.receive`)
   as JSON, or as :class:`~adapters.telegram.updates.Unparsed` bytes when it is not JSON.
3. Answer 200 once the update was applied (or meant nothing), or was skipped as a dead letter
   (unreadable, or failing again and again): Telegram redelivers every non-2xx answer, so an
   update that can never be applied must be answered 200 or it blocks the queue for good. 503
   when one of our own Bot API calls failed transiently (getChatMember), 500 when the core
   failed (Telegram tries again; the core deduplicates, so an update is never lost to a hiccup
   nor applied twice).

The secret never appears in logs or answers.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from broadcaster.errors import DeliveryError

from .updates import Unparsed

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PATH = "/telegram"

UpdateHandler = Callable[[Any], Awaitable[None]]


def webhook_routes(account: str, secret: str, handle: UpdateHandler) -> list[BaseRoute]:
    """The account's one webhook route (see the module docstring)."""
    expected = secret.encode("utf-8")

    async def endpoint(request: Request) -> JSONResponse:
        given = request.headers.get(SECRET_HEADER)
        if given is None or not hmac.compare_digest(given.encode("utf-8"), expected):
            log.warning("telegram %s: webhook request without the right secret refused", account)
            return JSONResponse({"ok": False, "error": "unauthorized"}, status_code=401)
        body = await request.body()
        update: Any
        try:
            update = json.loads(body)
        except ValueError:
            update = Unparsed(body)
        try:
            await handle(update)
        except DeliveryError as exc:
            log.warning("telegram %s: update %s not handled yet: %s", account, _id(update), exc)
            return JSONResponse({"ok": False, "error": "try again"}, status_code=503)
        except Exception:
            log.exception("telegram %s: update %s failed", account, _id(update))
            return JSONResponse({"ok": False, "error": "internal error"}, status_code=500)
        return JSONResponse({"ok": True})

    return [Route(PATH, endpoint, methods=["POST"])]


def _id(update: object) -> object:
    return update.get("update_id") if isinstance(update, Mapping) else None
