"""Reading typed values out of an account's raw settings (shared by the channel adapters).

Values from ``BROADCASTER_ACCOUNTS__NAME__KEY`` environment variables arrive as strings, values
from config.toml as TOML types: both are accepted; anything else is a ConfigError naming
``<where>.<key>`` and what to write instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from broadcaster.errors import ConfigError

_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}


def config_bool(raw: Mapping[str, Any], key: str, default: bool, where: str) -> bool:
    value = raw.get(key, default)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    if not isinstance(value, bool):
        raise ConfigError(f"{where}.{key}: {value!r}; use true or false")
    return value


def config_number(raw: Mapping[str, Any], key: str, default: float, where: str) -> float:
    value = raw.get(key, default)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}.{key}: {value!r}; use a number")
    return float(value)
