"""The one place where Cloud API failures become the core's delivery errors.

Meta answers every failure with ``{"error": {"code", "message", "error_data": {"details"}}}``;
the rules key on ``code`` (Meta's advice), first match wins:

=========================  ==================================================================
failure                    core error
=========================  ==================================================================
no answer (timeout, ...)   TransientError
130429 throughput          RateLimited(1 s): the whole number slows down
131056 pair rate           RecipientThrottled(4^n s, n = this recipient's consecutive hits)
131047 re-engagement       OutsideWindow (a PermanentError the adapter answers by resending
                           once as the configured template)
131026 undeliverable       RecipientGone: the contact is unreachable on WhatsApp
131048 spam rate limit     AccountBlocked(pause = ``spam_pause``, default 1 h) + alert
368 policy block, 190      AccountBlocked(pause = None): stopped until an operator acts
token expired/invalid
131057 maintenance         RateLimited(60 s)
4, 80007 API call limits   RateLimited(60 s)
5xx, 131000, 1, 2          TransientError
any other code (100,       PermanentError (the request itself is wrong)
131009, 132000, 132001)
=========================  ==================================================================

Every error carries Meta's message and details; ``provider_code`` is the numeric code.
"""

from __future__ import annotations

from typing import Any

from broadcaster.errors import (
    AccountBlocked,
    DeliveryError,
    PermanentError,
    RateLimited,
    RecipientGone,
    RecipientThrottled,
    TransientError,
)

THROUGHPUT, PAIR_RATE, REENGAGE, UNDELIVERABLE = 130429, 131056, 131047, 131026
SPAM, POLICY, TOKEN, MAINTENANCE = 131048, 368, 190, 131057
#: 130429 names no wait: one second lets the sliding window empty
THROUGHPUT_WAIT = 1.0
PAIR_BASE = 4.0


class OutsideWindow(PermanentError):
    """131047: free-form message outside the 24-hour window. Permanent as is; the adapter
    resends the announcement once as its approved template."""


def describe(body: Any) -> tuple[int | None, str]:
    """(code, "message: details") of a Graph API error body; (None, text) for anything else."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None, str(body)[:300]
    code = error.get("code")
    message = str(error.get("message", "")).strip()
    details = error.get("error_data", {}).get("details") if isinstance(error, dict) else None
    text = f"{message}: {details}" if details and details not in message else message
    return (int(code) if isinstance(code, int) else None), text


def delivery_error(
    status: int | None, body: Any, *, pair_hits: int = 0, spam_pause: float = 3600.0
) -> DeliveryError:
    """The core error for a failed send (see the module docstring). ``status`` None: no
    answer came (``body`` then describes the network failure)."""
    if status is None:
        return TransientError(str(body))
    code, text = describe(body)
    pc = None if code is None else str(code)
    if code == THROUGHPUT:
        return RateLimited(text, retry_after=THROUGHPUT_WAIT, provider_code=pc)
    if code == PAIR_RATE:
        return RecipientThrottled(text, retry_after=PAIR_BASE**pair_hits, provider_code=pc)
    if code == REENGAGE:
        return OutsideWindow(text, provider_code=pc)
    if code == UNDELIVERABLE:
        return RecipientGone(f"unreachable on WhatsApp: {text}", provider_code=pc)
    if code == SPAM:
        return AccountBlocked(text, pause=spam_pause, provider_code=pc)
    if code in (POLICY, TOKEN):
        return AccountBlocked(text, pause=None, provider_code=pc)
    if code in (MAINTENANCE, 4, 80007):
        return RateLimited(text, retry_after=60.0, provider_code=pc)
    if status >= 500 or code in (1, 2, 131000) or (code is None and status in (408, 429)):
        return TransientError(text or f"HTTP {status}", provider_code=pc or str(status))
    return PermanentError(text or f"HTTP {status}", provider_code=pc or str(status))
