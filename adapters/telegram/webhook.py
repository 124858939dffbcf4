"""The webhook endpoint Telegram POSTs updates to (``updates = "webhook"``).

The core mounts an account's routes under ``/hooks/<account>``; this module gives one route,
``POST /telegram``, so the URL to register is ``<public base>/hooks/<account>/telegram``.

Contract, in order:

1. The ``X-Telegram-Bot-Api-Secret-Token`` header must equal the account's secret (compared in
   constant time, as bytes: any header value, non-ASCII included, is a 401, never a 500).
   Missing or wrong: **401**, and nothing is read, parsed or changed. The body is read up to
   ``http.max_body`` (413 beyond; :mod:`broadcaster.bodylimit`).
2. The body must be one JSON ``Update`` object with an integer ``update_id``: otherwise 400.
3. The update's event goes to the core's sink. Answer 200 once it was applied (or meant
   nothing); 503 when one of our own Bot API calls failed transiently (getChatMember), 500 when
   the core failed. Telegram redelivers on any non-2xx answer and the core deduplicates, so an
   update is never lost to a hiccup nor applied twice.

The secret never appears in logs or answers.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from broadcaster.errors import DeliveryError

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PATH = "/telegram"

UpdateHandler = Callable[[Mapping[str, Any]], Awaitable[None]]


def webhook_routes(account: str, secret: str, handle: UpdateHandler) -> list[BaseRoute]:
    """The account's one webhook route (see the module docstring)."""
    expected = secret.encode("utf-8")

    async def endpoint(request: Request) -> JSONResponse:
        given = request.headers.get(SECRET_HEADER)
        if given is None or not hmac.compare_digest(given.encode("latin-1"), expected):
            log.warning("telegram %s: webhook request without the right secret refused", account)
            return JSONResponse({"ok": False, "error": "unauthorized"}, status_code=401)
        try:
            update = await request.json()
        except ValueError:
            return JSONResponse({"ok": False, "error": "body is not JSON"}, status_code=400)
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            return JSONResponse({"ok": False, "error": "not a Telegram update"}, status_code=400)
        try:
            await handle(update)
        except DeliveryError as exc:
            log.warning(
                "telegram %s: update %s not handled yet: %s", account, update["update_id"], exc
            )
            return JSONResponse({"ok": False, "error": "try again"}, status_code=503)
        except Exception:
            log.exception("telegram %s: update %s failed", account, update["update_id"])
            return JSONResponse({"ok": False, "error": "internal error"}, status_code=500)
        return JSONResponse({"ok": True})

    return [Route(PATH, endpoint, methods=["POST"])]
