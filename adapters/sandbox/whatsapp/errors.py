"""The Graph API error bodies the Cloud API emulator answers with, as Meta writes them.

Every error is ``{"error": {"message", "type", "code", "error_data": {"messaging_product",
"details"}, "fbtrace_id"}}``; clients key on ``code`` (and ``error_data.details``), never on the
title. HTTP status 400 for everything except an invalid token (401).
"""

from __future__ import annotations

import secrets
from typing import Any

#: code → (title, details, HTTP status)
ERRORS: dict[int, tuple[str, str, int]] = {
    1: ("API Unknown", "Invalid request or possible server error.", 400),
    2: ("API Service", "Temporary due to downtime or due to being overloaded.", 503),
    4: (
        "Application request limit reached",
        "The app has reached its API call rate limit.",
        400,
    ),
    100: ("Invalid parameter", "Invalid parameter", 400),
    190: (
        "Error validating access token: Session has expired",
        "The access token has expired or is invalid.",
        401,
    ),
    368: (
        "Temporarily blocked for policies violations",
        "The WhatsApp Business Account is restricted for violating the WhatsApp Business "
        "Messaging Policy.",
        400,
    ),
    130429: ("Rate limit hit", "Cloud API message throughput has been reached.", 400),
    131009: ("Parameter value is not valid", "Parameter value is not valid", 400),
    131026: (
        "Message undeliverable",
        "Unable to deliver message. Reasons can include: the recipient phone number is not a "
        "WhatsApp phone number; the recipient has not accepted the new Terms of Service.",
        400,
    ),
    131047: (
        "Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer "
        "last replied to this number.",
        400,
    ),
    131048: (
        "Spam rate limit hit",
        "Message failed to send because there are restrictions on how many messages can be "
        "sent from this phone number. This may be because too many previous messages were "
        "blocked or flagged as spam.",
        400,
    ),
    131056: (
        "(Business Account, Consumer Account) pair rate limit hit",
        "Message failed to send because there were too many messages sent from this phone "
        "number to the same phone number in a short period of time.",
        400,
    ),
    131057: ("Account in maintenance mode", "Business Account is in maintenance mode", 400),
    132000: ("Number of parameters does not match the expected number of params", "", 400),
    132001: ("Template name does not exist in the translation", "", 400),
    132018: ("There was an issue with the parameters in your template", "", 400),
    80007: (
        "Rate limit issues",
        "The WhatsApp Business Account has reached its rate limit.",
        400,
    ),
    131000: ("Something went wrong", "Message failed to send due to an unknown error.", 500),
}


def error_body(code: int, details: str | None = None) -> tuple[int, dict[str, Any]]:
    """(HTTP status, body) for ``code``; ``details`` replaces the standard details."""
    title, standard, status = ERRORS.get(code, ("Unknown error", "", 400))
    body: dict[str, Any] = {
        "message": title if code == 190 else f"(#{code}) {title}",
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": details or standard},
        "fbtrace_id": "A" + secrets.token_urlsafe(16),
    }
    if code == 190:
        body["error_subcode"] = 463
    return status, {"error": body}


def webhook_error(code: int) -> dict[str, Any]:
    """The ``errors`` entry of a ``failed`` status webhook."""
    title, details, _ = ERRORS.get(code, ("Unknown error", "", 400))
    return {
        "code": code,
        "title": title,
        "message": title,
        "error_data": {"details": details},
        "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
    }
