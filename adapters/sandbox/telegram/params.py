"""Bot API request parameters, coerced the way the Bot API server reads them.

Clients send parameters three ways: a JSON object (``application/json``), a URL-encoded form
(python-telegram-bot and aiogram without uploads) or ``multipart/form-data`` (uploads). In the
form encodings every value is a string, and non-string values are JSON-encoded by the client
(``"true"``, ``"123"``, ``'["a","b"]'``). :class:`Params` hides the difference: each accessor
accepts the native JSON value or its string encoding and raises a Telegram-worded 400 otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ApiError, bad_request


@dataclass(frozen=True, slots=True)
class Upload:
    """A file part of a multipart request; the sandbox keeps only its name and size."""

    filename: str
    content_type: str
    size: int


class Params:
    """Read-only view of one request's parameters with Telegram-like coercion."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = dict(values)

    def __contains__(self, name: str) -> bool:
        return name in self._values and self._values[name] is not None

    def raw(self, name: str) -> Any:
        """The value as received (``None`` when absent)."""
        return self._values.get(name)

    def names(self) -> list[str]:
        return list(self._values)

    def get_str(self, name: str) -> str | None:
        """A string parameter; numbers are accepted and rendered as text."""
        value = self._values.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float | str):
            return str(value)
        if isinstance(value, Upload):
            return None
        raise bad_request(f"can't parse parameter {name}")

    def get_int(self, name: str) -> int | None:
        """An integer parameter from a JSON number or a decimal string."""
        value = self._values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise bad_request(f"invalid {name} specified")

    def get_bool(self, name: str, default: bool = False) -> bool:
        """A boolean from ``true``/``false`` (any case), ``1``/``0`` or a JSON boolean."""
        value = self._values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value != 0
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in {"true", "1", "yes"}:
                return True
            if lowered in {"false", "0", "no"}:
                return False
        raise bad_request(f"invalid {name} specified")

    def get_json(self, name: str) -> Any:
        """A JSON-serialized parameter (arrays, objects); strings are decoded first."""
        value = self._values.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError as exc:
                raise bad_request(f"can't parse {name} JSON object") from exc
        return value

    def get_float(self, name: str) -> float | None:
        value = self._values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        raise bad_request(f"invalid {name} specified")

    def chat_id(self) -> int | str:
        """``chat_id`` as an int, or an ``@username`` string; missing → "chat_id is empty"."""
        value = self._values.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            text = value.strip()
            try:
                return int(text)
            except ValueError:
                if text.startswith("@"):
                    return text
        raise bad_request("chat not found")

    def upload(self, name: str) -> Upload | None:
        value = self._values.get(name)
        return value if isinstance(value, Upload) else None


def merge(*sources: Mapping[str, Any]) -> Params:
    """Combine query-string and body parameters; later sources win, as in the Bot API server."""
    merged: dict[str, Any] = {}
    for source in sources:
        merged.update(source)
    return Params(merged)


def require_str(params: Params, name: str, error: ApiError) -> str:
    """A mandatory string parameter, raising ``error`` when it is missing or empty."""
    value = params.get_str(name)
    if not value:
        raise error
    return value
