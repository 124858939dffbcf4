"""Bot API errors with Telegram's exact HTTP codes, descriptions and parameters.

The Bot API server builds a description as ``<prefix>: <message>`` with the prefix chosen by the
HTTP code (``Bad Request``, ``Forbidden``, ``Unauthorized``, ...) and the TDLib message with its
first letter lower-cased (telegram-bot-api ``Client.cpp``, ``fail_query_with_error``). Every error
the sandbox returns is built here so the wording lives in one place.
"""

from __future__ import annotations

from typing import Any

JsonDict = dict[str, Any]


class ApiError(Exception):
    """A Bot API failure answered as ``{"ok": false, "error_code", "description", "parameters"}``.

    ``status`` is the HTTP status; Telegram always sets ``error_code`` to the same value.
    """

    def __init__(self, status: int, description: str, parameters: JsonDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def to_json(self) -> JsonDict:
        """The response body exactly as Telegram shapes it."""
        body: JsonDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = dict(self.parameters)
        return body


def bad_request(message: str) -> ApiError:
    """400 ``Bad Request: <message>``; ``message`` starts lower-case as Telegram's do."""
    return ApiError(400, f"Bad Request: {message}")


def forbidden(message: str) -> ApiError:
    """403 ``Forbidden: <message>``."""
    return ApiError(403, f"Forbidden: {message}")


def unauthorized() -> ApiError:
    """401 for a well-formed token that no bot owns."""
    return ApiError(401, "Unauthorized")


def not_found() -> ApiError:
    """404 for an unknown method or a malformed token (Telegram answers both the same way)."""
    return ApiError(404, "Not Found")


def too_many_requests(retry_after: int) -> ApiError:
    """429 flood error; ``retry_after`` is whole seconds, at least 1."""
    seconds = max(1, int(retry_after))
    return ApiError(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})


def migrated(new_chat_id: int) -> ApiError:
    """400 for a basic group that was upgraded; carries the supergroup id."""
    return ApiError(
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        {"migrate_to_chat_id": new_chat_id},
    )


def conflict_webhook_active() -> ApiError:
    """409 for getUpdates while a webhook is set."""
    return ApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first",
    )


def conflict_other_poller() -> ApiError:
    """409 for a long poll that a newer getUpdates call replaced."""
    return ApiError(
        409,
        "Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running",
    )


def server_error(status: int) -> ApiError:
    """A 5xx answer with a Telegram-shaped body (``Internal Server Error``, ``Bad Gateway``...)."""
    phrases = {
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
    }
    return ApiError(status, phrases.get(status, "Internal Server Error"))


def chat_not_found() -> ApiError:
    return bad_request("chat not found")


def can_t_parse_entities(detail: str) -> ApiError:
    """400 for broken markup; ``detail`` is TDLib's own sentence (capitalised)."""
    return bad_request(f"can't parse entities: {detail}")


def kicked(chat_type: str) -> ApiError:
    """403 for a bot that was removed from a group by an admin."""
    return forbidden(f"bot was kicked from the {_group_word(chat_type)} chat")


def not_a_member(chat_type: str) -> ApiError:
    """403 for a bot that left (or never joined) a group."""
    return forbidden(f"bot is not a member of the {_group_word(chat_type)} chat")


def blocked_by_user() -> ApiError:
    return forbidden("bot was blocked by the user")


def cant_initiate() -> ApiError:
    """403 for a private chat with a user who never started the bot."""
    return forbidden("bot can't initiate conversation with a user")


def _group_word(chat_type: str) -> str:
    return "supergroup" if chat_type == "supergroup" else "group"
