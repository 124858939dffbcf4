"""``[accounts.NAME]`` settings of a WhatsApp Cloud API account, validated once at startup.

Secrets (access token, app secret, webhook verify token) are read from the environment
variables the settings name, never from the file, and never logged.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.config_values import config_bool, config_number
from broadcaster.errors import ConfigError

DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_VERSION = "v23.0"
AUDIENCES = ("residents", "admins")
TEMPLATE_FIELDS = ("title", "body", "verify_url", "short_code")
#: what fills the approved template's body parameters by default: the verification link must
#: reach every resident, those reached by template too
DEFAULT_TEMPLATE_PARAMS = ("title", "body", "verify_url")
#: Meta's default throughput per number; numbers are raised up to 1000/s.
DEFAULT_RATE, MAX_RATE = 80.0, 1000.0


@dataclass(frozen=True)
class WhatsAppSettings:
    account: str
    phone_number_id: str | None
    token_env: str | None
    app_secret_env: str | None
    verify_token_env: str | None
    base_url: str
    api_version: str
    sandbox: bool
    sandbox_port: int
    webhook_url: str | None
    template: str | None
    template_language: str
    template_params: tuple[str, ...]
    audience: str
    rate: float
    spam_pause: float
    request_timeout: float
    pool_size: int

    @classmethod
    def parse(cls, account: str, raw: Mapping[str, Any]) -> WhatsAppSettings:
        where = f"accounts.{account}"
        known = {
            "phone_number_id",
            "token_env",
            "app_secret_env",
            "verify_token_env",
            "base_url",
            "api_version",
            "sandbox",
            "sandbox_port",
            "webhook_url",
            "template",
            "template_language",
            "template_params",
            "audience",
            "rate",
            "spam_pause",
            "request_timeout",
            "pool_size",
        }
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ConfigError(
                f"{where}: unknown whatsapp setting(s) {unknown}; known: {sorted(known)}"
            )
        sandbox = config_bool(raw, "sandbox", False, where)
        names = {}
        for key in ("token_env", "app_secret_env", "verify_token_env"):
            value = raw.get(key)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise ConfigError(f"{where}.{key}: name an environment variable")
            names[key] = value.strip() if isinstance(value, str) else None
        phone = raw.get("phone_number_id")
        if not sandbox:
            for key in ("token_env", "app_secret_env"):
                if names[key] is None:
                    raise ConfigError(f"{where}.{key}: required unless sandbox = true")
            if not isinstance(phone, str | int) or not str(phone).strip().isdigit():
                raise ConfigError(
                    f"{where}.phone_number_id: required (the Cloud API phone number id, digits)"
                )
        base_url = str(raw.get("base_url", DEFAULT_BASE_URL)).strip().rstrip("/")
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"{where}.base_url: {base_url!r} is not an http(s) URL")
        webhook_url = raw.get("webhook_url")
        if webhook_url is not None and not str(webhook_url).startswith(("http://", "https://")):
            raise ConfigError(f"{where}.webhook_url: {webhook_url!r} is not an http(s) URL")
        template = raw.get("template")
        if template is not None and (not isinstance(template, str) or not template.strip()):
            raise ConfigError(f"{where}.template: the approved template's name")
        params = raw.get("template_params", list(DEFAULT_TEMPLATE_PARAMS))
        if not isinstance(params, list) or not all(p in TEMPLATE_FIELDS for p in params):
            raise ConfigError(
                f"{where}.template_params: {params!r}; a list of {list(TEMPLATE_FIELDS)}"
            )
        if template is not None and "verify_url" not in params:
            raise ConfigError(
                f'{where}.template_params: {params!r} leaves out "verify_url", so residents '
                'reached by the template would not get the "Cek keaslian" link; add it '
                f"(e.g. {list(DEFAULT_TEMPLATE_PARAMS)}) with a parameter for it in the "
                "approved template"
            )
        audience = raw.get("audience", "residents")
        if audience not in AUDIENCES:
            raise ConfigError(f"{where}.audience: {audience!r}; use one of {list(AUDIENCES)}")
        rate = config_number(raw, "rate", DEFAULT_RATE, where)
        if not 0 < rate <= MAX_RATE:
            raise ConfigError(f"{where}.rate: {rate:g}; messages/s per number, 1 to {MAX_RATE:g}")
        timeout = config_number(raw, "request_timeout", 10.0, where)
        pool = int(config_number(raw, "pool_size", 64, where))
        port = int(config_number(raw, "sandbox_port", 0, where))
        if timeout <= 0 or pool < 1 or not 0 <= port <= 65535:
            raise ConfigError(f"{where}: request_timeout, pool_size and sandbox_port are invalid")
        return cls(
            account=account,
            phone_number_id=str(phone).strip() if phone is not None else None,
            token_env=names["token_env"],
            app_secret_env=names["app_secret_env"],
            verify_token_env=names["verify_token_env"],
            base_url=base_url,
            api_version=str(raw.get("api_version", DEFAULT_VERSION)),
            sandbox=sandbox,
            sandbox_port=port,
            webhook_url=str(webhook_url) if webhook_url else None,
            template=template.strip() if isinstance(template, str) else None,
            template_language=str(raw.get("template_language", "id")),
            template_params=tuple(params),
            audience=str(audience),
            rate=rate,
            spam_pause=config_number(raw, "spam_pause", 3600.0, where),
            request_timeout=timeout,
            pool_size=pool,
        )

    def secret(self, key: str) -> str:
        """The value of the environment variable named by setting ``key`` (ConfigError naming
        the variable, never its value, when unset)."""
        name = getattr(self, key)
        value = os.environ.get(name, "").strip() if name else ""
        if not value:
            raise ConfigError(
                f"accounts.{self.account}.{key}: environment variable {name!r} is not set or empty"
            )
        return value
