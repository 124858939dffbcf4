"""The one place where WAHA failures become the core's delivery errors.

=============================================  ===============================================
failure                                        core error
=============================================  ===============================================
no answer (timeout, refused connection)        TransientError
``server returned error 463`` (reach-out       AccountBlocked(pause = ``ban_pause``) + alert:
timelock) or ``475`` (message capping)         WhatsApp is restricting the number
401/403 (API key refused)                      AccountBlocked(pause = None): fix the key
422 session not WORKING                        AccountBlocked(pause = ``session_pause``)
404 chat not found / not a participant         RecipientGone: the number left the group
429                                            RateLimited(60 s)
5xx                                            TransientError
other 4xx                                      PermanentError
=============================================  ===============================================
"""

from __future__ import annotations

import re
from typing import Any

from broadcaster.errors import (
    AccountBlocked,
    DeliveryError,
    PermanentError,
    RateLimited,
    RecipientGone,
    TransientError,
)

_BAN = re.compile(r"\b(463|475)\b")


def message_of(body: Any) -> str:
    if isinstance(body, dict):
        exception = body.get("exception")
        if isinstance(exception, dict) and exception.get("message"):
            return str(exception["message"])
        if body.get("message"):
            return str(body["message"])
    return str(body)[:300]


def delivery_error(
    status: int | None, body: Any, *, ban_pause: float, session_pause: float
) -> DeliveryError:
    text = message_of(body)
    if status is None:
        return TransientError(text)
    ban = _BAN.search(text)
    if ban is not None:
        return AccountBlocked(
            f"WhatsApp restricts this number: {text}", pause=ban_pause, provider_code=ban.group(1)
        )
    code = str(status)
    if status in (401, 403):
        return AccountBlocked(f"WAHA refused the API key: {text}", pause=None, provider_code=code)
    if status == 422:
        return AccountBlocked(
            f"WAHA session not working: {text}", pause=session_pause, provider_code="session"
        )
    if status == 404 and "chat" in text.lower():
        return RecipientGone(text, provider_code=code)
    if status == 429:
        return RateLimited(text, retry_after=60.0, provider_code=code)
    if status >= 500:
        return TransientError(text, provider_code=code)
    return PermanentError(text, provider_code=code)
