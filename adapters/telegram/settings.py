"""The settings of one Telegram bot account (``[accounts.NAME]`` in config.toml).

==========================  ===========================================================  =======
key                         meaning                                                      default
==========================  ===========================================================  =======
``driver``                  client library: ``"ptb"`` (python-telegram-bot 22) or        ptb
                            ``"aiogram"`` (aiogram 3)
``token_env``               name of the environment variable holding the bot token       —
                            (required unless ``sandbox``); the token is never logged
``base_url``                Bot API server, e.g. a local ``telegram-bot-api`` or the     Telegram
                            standalone emulator (``python -m adapters.sandbox.telegram``)
``sandbox``                 run this account against its own in-process emulator on      false
                            127.0.0.1 (no token needed; ``broadcaster run --demo``)
``allow_paid_broadcast``    send with ``allow_paid_broadcast`` (0.1 Star per message     false
                            over the free rate) and raise the bot's rate to 1000/s
``poll_anonymous``          polls are anonymous unless the announcement says otherwise   true
``parse_mode``              only ``"HTML"``: the renderer writes Telegram HTML           HTML
``link_preview``            let Telegram show a preview of the first link                false
``request_timeout``         seconds for connecting, sending and reading one request      10
``pool_size``               HTTP connections kept open to the Bot API                    64
``updates``                 how updates arrive: ``"polling"`` (getUpdates long polling), polling
                            ``"webhook"`` (Telegram POSTs to ``webhook_url``) or
                            ``"off"`` (a send-only account: no onboarding, votes, replies)
``webhook_url``             public URL of ``/hooks/<account>/telegram`` on this          —
                            service (required with ``updates = "webhook"``)
``webhook_secret_env``      environment variable holding the webhook secret token        random
                            (1-256 of ``A-Z a-z 0-9 _ -``); unset: a random one per
                            start, registered with setWebhook at start
``sandbox_port``            port of a sandbox account's emulator on 127.0.0.1 (0: any    0
                            free port); a fixed one lets ``broadcaster sandbox`` reach it
==========================  ===========================================================  =======

Rate limits are not settings here: ``[accounts.NAME.limits]`` overrides the published ones
(see :attr:`TelegramAdapter.limits`).
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from adapters.config_values import config_bool, config_number
from broadcaster.errors import ConfigError

DEFAULT_BASE_URL = "https://api.telegram.org"
Driver = Literal["ptb", "aiogram"]
DRIVERS: tuple[Driver, ...] = ("ptb", "aiogram")
Updates = Literal["polling", "webhook", "off"]
UPDATES: tuple[Updates, ...] = ("polling", "webhook", "off")
#: setWebhook's secret_token: 1-256 characters from A-Z, a-z, 0-9, "_" and "-".
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True)
class TelegramSettings:
    account: str
    driver: Driver = "ptb"
    token_env: str | None = None
    base_url: str = DEFAULT_BASE_URL
    sandbox: bool = False
    allow_paid_broadcast: bool = False
    poll_anonymous: bool = True
    link_preview: bool = False
    request_timeout: float = 10.0
    pool_size: int = 64
    updates: Updates = "polling"
    webhook_url: str | None = None
    webhook_secret_env: str | None = None
    sandbox_port: int = 0

    @classmethod
    def parse(cls, account: str, raw: Mapping[str, Any]) -> TelegramSettings:
        """Validate ``raw``; ConfigError names the key (``accounts.NAME.KEY``) and the problem."""
        where = f"accounts.{account}"
        known = {
            "driver",
            "token_env",
            "base_url",
            "sandbox",
            "allow_paid_broadcast",
            "poll_anonymous",
            "parse_mode",
            "link_preview",
            "request_timeout",
            "pool_size",
            "updates",
            "webhook_url",
            "webhook_secret_env",
            "sandbox_port",
        }
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ConfigError(
                f"{where}: unknown telegram setting(s) {unknown}; known: {sorted(known)}"
            )
        driver = raw.get("driver", "ptb")
        if driver not in DRIVERS:
            raise ConfigError(f"{where}.driver: {driver!r}; use one of {list(DRIVERS)}")
        parse_mode = str(raw.get("parse_mode", "HTML"))
        if parse_mode.upper() != "HTML":
            raise ConfigError(
                f"{where}.parse_mode: {parse_mode!r}; the Telegram renderer writes HTML only"
            )
        token_env = raw.get("token_env")
        if token_env is not None and (not isinstance(token_env, str) or not token_env.strip()):
            raise ConfigError(f"{where}.token_env: name an environment variable")
        sandbox = config_bool(raw, "sandbox", False, where)
        if not sandbox and token_env is None:
            raise ConfigError(
                f"{where}.token_env: required (the environment variable holding the bot token), "
                "unless sandbox = true"
            )
        base_url = str(raw.get("base_url", DEFAULT_BASE_URL)).strip().rstrip("/")
        base_url = base_url.removesuffix("/bot")
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"{where}.base_url: {base_url!r} is not an http(s) URL")
        timeout = config_number(raw, "request_timeout", 10.0, where)
        pool_size = int(config_number(raw, "pool_size", 64, where))
        if timeout <= 0 or pool_size < 1:
            raise ConfigError(f"{where}: request_timeout and pool_size must be positive")
        updates = raw.get("updates", "polling")
        if updates not in UPDATES:
            raise ConfigError(f"{where}.updates: {updates!r}; use one of {list(UPDATES)}")
        webhook_url = raw.get("webhook_url")
        if webhook_url is not None:
            webhook_url = str(webhook_url).strip()
            if not webhook_url.startswith(("http://", "https://")):
                raise ConfigError(f"{where}.webhook_url: {webhook_url!r} is not an http(s) URL")
        if updates == "webhook" and not webhook_url:
            raise ConfigError(
                f'{where}.webhook_url: required with updates = "webhook" (the public URL of '
                f"/hooks/{account}/telegram on this service)"
            )
        secret_env = raw.get("webhook_secret_env")
        if secret_env is not None and (not isinstance(secret_env, str) or not secret_env.strip()):
            raise ConfigError(f"{where}.webhook_secret_env: name an environment variable")
        sandbox_port = int(config_number(raw, "sandbox_port", 0, where))
        if not 0 <= sandbox_port <= 65535:
            raise ConfigError(f"{where}.sandbox_port: {sandbox_port}; use 0 (any) to 65535")
        return cls(
            account=account,
            driver=driver,
            token_env=token_env.strip() if token_env else None,
            base_url=base_url,
            sandbox=sandbox,
            allow_paid_broadcast=config_bool(raw, "allow_paid_broadcast", False, where),
            poll_anonymous=config_bool(raw, "poll_anonymous", True, where),
            link_preview=config_bool(raw, "link_preview", False, where),
            request_timeout=timeout,
            pool_size=pool_size,
            updates=updates,
            webhook_url=webhook_url or None,
            webhook_secret_env=secret_env.strip() if secret_env else None,
            sandbox_port=sandbox_port,
        )

    def token(self) -> str:
        """The bot token from the environment; ConfigError (without any token) when unset."""
        name = self.token_env
        value = os.environ.get(name, "").strip() if name else ""
        if not value:
            raise ConfigError(
                f"accounts.{self.account}.token_env: environment variable {name!r} is not set "
                "or empty; put the bot token from @BotFather there"
            )
        return value

    def webhook_secret(self) -> str:
        """The secret token Telegram must send with every webhook request: from
        ``webhook_secret_env`` when set (ConfigError when that variable is unset or not a valid
        token; the value is never shown), else a random one made now."""
        name = self.webhook_secret_env
        if name is None:
            return secrets.token_urlsafe(32)
        value = os.environ.get(name, "").strip()
        if not SECRET_TOKEN.fullmatch(value):
            raise ConfigError(
                f"accounts.{self.account}.webhook_secret_env: environment variable {name!r} "
                "must hold 1-256 characters from A-Z, a-z, 0-9, '_' and '-' (the process "
                "serving the webhook needs it; set it, or remove webhook_secret_env to use a "
                "random secret per start)"
            )
        return value
