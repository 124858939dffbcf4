"""``[accounts.NAME]`` settings of a WAHA gateway account (one WhatsApp number), with anti-ban
pacing on by default. Secrets (API key, webhook HMAC key) come from the environment only."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any

from adapters.config_values import config_bool, config_number
from broadcaster.errors import ConfigError


@dataclass(frozen=True)
class WahaSettings:
    account: str
    base_url: str
    session: str
    api_key_env: str | None
    hmac_key_env: str | None
    sandbox: bool
    sandbox_port: int
    webhook_url: str | None
    min_interval: float  # seconds between two messages of the number
    jitter: float  # extra random seconds, 0..jitter, before each message
    group_interval: float  # seconds between two messages to one group
    quiet_hours: tuple[time, time] | None  # local time (timezone below); nothing is sent
    timezone: str
    daily_cap: int  # messages per number per local day
    ban_pause: float  # 463/475: pause the number this long
    session_pause: float  # session not WORKING: look again after this long
    request_timeout: float

    @classmethod
    def parse(cls, account: str, raw: Mapping[str, Any]) -> WahaSettings:
        where = f"accounts.{account}"
        known = {
            "base_url",
            "session",
            "api_key_env",
            "hmac_key_env",
            "sandbox",
            "sandbox_port",
            "webhook_url",
            "min_interval",
            "jitter",
            "group_interval",
            "quiet_hours",
            "timezone",
            "daily_cap",
            "ban_pause",
            "session_pause",
            "request_timeout",
        }
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ConfigError(f"{where}: unknown waha setting(s) {unknown}; known: {sorted(known)}")
        sandbox = config_bool(raw, "sandbox", False, where)
        base_url = str(raw.get("base_url", "http://127.0.0.1:3000")).strip().rstrip("/")
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"{where}.base_url: {base_url!r} is not an http(s) URL")
        names: dict[str, str | None] = {}
        for key in ("api_key_env", "hmac_key_env"):
            value = raw.get(key)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise ConfigError(f"{where}.{key}: name an environment variable")
            names[key] = value.strip() if isinstance(value, str) else None
        values = {
            key: config_number(raw, key, default, where)
            for key, default in (
                ("min_interval", 20.0),
                ("jitter", 10.0),
                ("group_interval", 300.0),
                ("daily_cap", 200),
                ("ban_pause", 86400.0),
                ("session_pause", 60.0),
                ("request_timeout", 30.0),
                ("sandbox_port", 0),
            )
        }
        if not sandbox and names["hmac_key_env"] is None:
            raise ConfigError(
                f"{where}.hmac_key_env: name the environment variable holding the key WAHA signs "
                "its webhooks with (webhooks[].hmac.key in WAHA); unsigned webhooks are refused"
            )
        if any(v < 0 for v in values.values()) or values["min_interval"] <= 0:
            raise ConfigError(f"{where}: pacing values must be positive numbers")
        return cls(
            account=account,
            base_url=base_url,
            session=str(raw.get("session", "default")),
            api_key_env=names["api_key_env"],
            hmac_key_env=names["hmac_key_env"],
            sandbox=sandbox,
            sandbox_port=int(values["sandbox_port"]),
            webhook_url=str(raw["webhook_url"]) if raw.get("webhook_url") else None,
            min_interval=values["min_interval"],
            jitter=values["jitter"],
            group_interval=values["group_interval"],
            quiet_hours=_quiet(raw.get("quiet_hours", "21:00-06:00"), where),
            timezone=str(raw.get("timezone", "Asia/Jakarta")),
            daily_cap=int(values["daily_cap"]),
            ban_pause=values["ban_pause"],
            session_pause=values["session_pause"],
            request_timeout=values["request_timeout"],
        )

    def secret(self, key: str) -> str | None:
        """The value of the variable named by ``key`` (None when the key is not set;
        ConfigError, naming the variable only, when the variable is empty)."""
        name = getattr(self, key)
        if name is None:
            return None
        value = os.environ.get(name, "").strip()
        if not value:
            raise ConfigError(
                f"accounts.{self.account}.{key}: environment variable {name!r} is not set or empty"
            )
        return value


def _quiet(value: Any, where: str) -> tuple[time, time] | None:
    if value in (None, "off", False):
        return None
    try:
        start, end = (time.fromisoformat(part.strip()) for part in str(value).split("-"))
    except ValueError:
        raise ConfigError(f'{where}.quiet_hours: {value!r}; use "HH:MM-HH:MM" or "off"') from None
    return start, end
