"""The one place where Telegram failures become the core's delivery errors.

Each driver turns its own library's exception into a neutral :class:`ProviderFailure` (what the
Bot API answered, or that no answer came) and calls :func:`delivery_error`; nothing else in the
adapter decides what a failure means. The rules, first match wins:

==========================================================  ===================================
failure                                                     core error
==========================================================  ===================================
no answer (timeout, refused or dropped connection)          TransientError
429, or ``parameters.retry_after``                          RateLimited(retry_after)
``parameters.migrate_to_chat_id``                           AddressMoved(new_address)
400/403 "bot was kicked", "bot was blocked", "bot is not a  RecipientGone
member", "chat not found", "group chat was deactivated",
"user is deactivated"
400 "can't parse entities"                                  MarkupRejected (a PermanentError
                                                            the adapter answers by resending
                                                            once as plain text)
5xx; 401/404 (token or URL rejected mid-run: the account    TransientError
is checked at start, so this is an outage, not a verdict on
the message); 409
any other 4xx ("message is too long", ...)                  PermanentError
==========================================================  ===================================

Every error carries the provider's description as its message and the HTTP status as
``provider_code`` (``None`` when no answer came).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from http import HTTPStatus

from broadcaster.errors import (
    AddressMoved,
    DeliveryError,
    PermanentError,
    RateLimited,
    RecipientGone,
    TransientError,
)

#: What to wait when a 429 names no time (Telegram always does; a proxy in between may not).
DEFAULT_RETRY_AFTER = 5.0

#: Descriptions (lower-cased substrings) that mean the chat is gone for this bot for good.
GONE_MARKERS: tuple[str, ...] = (
    "bot was kicked",
    "bot was blocked",
    "bot is not a member",
    "chat not found",
    "group chat was deactivated",
    "user is deactivated",
)

_RETRY_IN_TEXT = re.compile(r"retry (?:after|in) (\d+(?:\.\d+)?)", re.IGNORECASE)
_BOT_URL = re.compile(r"/bot\d+:[A-Za-z0-9_-]+")
_TOKEN = re.compile(r"\b\d{3,19}:[A-Za-z0-9_-]{20,}")
# error reason phrases only, longest first ("Request Entity Too Large" before "Request ...")
_PHRASES = sorted(
    ((s.phrase.lower(), s.value) for s in HTTPStatus if s.value >= 400),
    key=lambda pair: -len(pair[0]),
)


class MarkupRejected(PermanentError):
    """Telegram refused the message's HTML ("can't parse entities"). Permanent for this text
    as is; :class:`~adapters.telegram.TelegramAdapter` resends it once as plain text."""


@dataclass(frozen=True)
class ProviderFailure:
    """A failed Bot API call, independent of the client library.

    ``status`` is the HTTP status of the answer, ``None`` when no answer arrived (timeout,
    dropped connection, unreadable body). ``description`` is the Bot API's ``description`` (or
    the library's account of the network failure), already free of the bot token.
    """

    description: str
    status: int | None = None
    retry_after: float | None = None
    migrate_to_chat_id: int | None = None


def delivery_error(failure: ProviderFailure) -> DeliveryError:
    """The core error for ``failure`` (see the module docstring for the rules)."""
    description = failure.description
    status = failure.status
    code = None if status is None else str(status)
    text = description.lower()
    if failure.retry_after is not None or status == HTTPStatus.TOO_MANY_REQUESTS:
        seconds = failure.retry_after
        if seconds is None:
            found = _RETRY_IN_TEXT.search(description)
            seconds = float(found.group(1)) if found else DEFAULT_RETRY_AFTER
        return RateLimited(description, retry_after=max(0.0, seconds), provider_code="429")
    if failure.migrate_to_chat_id is not None:
        return AddressMoved(
            description, new_address=str(failure.migrate_to_chat_id), provider_code=code
        )
    if status is None:
        return TransientError(description)
    if status in (HTTPStatus.BAD_REQUEST, HTTPStatus.FORBIDDEN) and any(
        marker in text for marker in GONE_MARKERS
    ):
        return RecipientGone(description, provider_code=code)
    if status == HTTPStatus.BAD_REQUEST and "can't parse entities" in text:
        return MarkupRejected(description, provider_code=code)
    if status >= 500 or status in (
        HTTPStatus.UNAUTHORIZED,
        HTTPStatus.NOT_FOUND,
        HTTPStatus.CONFLICT,
    ):
        return TransientError(description, provider_code=code)
    if 400 <= status < 500:
        return PermanentError(description, provider_code=code)
    return TransientError(description, provider_code=code)


def status_from_phrase(message: str) -> int | None:
    """The HTTP status a library's message names, for libraries that keep only the text of a
    non-JSON or 5xx answer: "Bad Gateway (502)" or a description that starts with a standard
    reason phrase ("Internal Server Error"). ``None`` when it names no error status."""
    found = re.search(r"\(([45]\d\d)\)", message)
    if found:
        return int(found.group(1))
    lowered = message.lower()
    for phrase, value in _PHRASES:
        if lowered.startswith(phrase):
            return value
    return None


def redact(text: str, token: str | None = None) -> str:
    """``text`` without bot tokens: the given one, and anything shaped like one (URLs with
    ``/bot<token>`` included), so a failure message can go to logs and the store."""
    if token:
        text = text.replace(token, "<token>")
    text = _BOT_URL.sub("/bot<token>", text)
    return _TOKEN.sub("<token>", text)
