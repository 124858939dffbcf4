"""Configuration: config.toml, overridden by ``BROADCASTER_*`` environment variables.

Nested keys use a double underscore in the environment: ``BROADCASTER_ENGINE__CLAIM_BATCH=200``
overrides ``[engine] claim_batch``. Secrets never live in the file: adapters name the environment
variable that holds each token (``token_env = "..."``).
"""

from __future__ import annotations

import functools
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from schedules.quiet import QuietHours
from schedules.zones import load_zone

from .bodylimit import DEFAULT_MAX_BODY
from .cap.settings import CapConfig
from .errors import ConfigError
from .oncall.settings import OncallConfig
from .publicurl import DEFAULT_PUBLIC_URL, normalise_public_url
from .web.settings import PortalConfig, WebConfig


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


ROLES = ("sender", "scheduler", "web", "all")


class ServiceConfig(_Section):
    data_dir: Path = Path("var")
    timezone: str = "Asia/Jakarta"
    approvals_required: int = Field(1, ge=1, le=10)
    # the base of every link (verification, email votes/unsubscribes): see .publicurl
    public_url: str = DEFAULT_PUBLIC_URL
    verify_line: bool = True
    language: str = "id"
    auto_approve_subscriptions: bool = False
    reply_retention_days: float = Field(90, gt=0)
    # what this process does: sender (planner + account senders), scheduler (one active in a
    # cluster), web (webhooks, dashboard, /healthz), or all; `broadcaster run --role` overrides
    roles: list[str] = Field(default_factory=lambda: ["all"])

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str) -> str:
        return normalise_public_url(value)

    @field_validator("roles")
    @classmethod
    def _check_roles(cls, value: list[str]) -> list[str]:
        unknown = [r for r in value if r not in ROLES]
        if unknown or not value:
            raise ValueError(f"unknown role(s) {unknown}; use some of {list(ROLES)}")
        return value

    def has_role(self, role: str) -> bool:
        return role in self.roles or "all" in self.roles

    @field_validator("timezone")
    @classmethod
    def _check_zone(cls, value: str) -> str:
        load_zone(value)  # ScheduleError is a ValueError: reported under service.timezone
        return value


def parse_roles(values: list[str]) -> list[str]:
    """Validate ``--role`` values (comma-separated or repeated); ConfigError names the bad one."""
    roles = [r.strip() for value in values for r in value.split(",") if r.strip()]
    try:
        return ServiceConfig.model_validate({"roles": roles}).roles
    except ValidationError as exc:
        raise ConfigError(f"--role: {exc.errors()[0]['msg']}") from exc


class StoreConfig(_Section):
    url: str = "sqlite:///var/broadcaster.db"
    # PostgreSQL only (SQLite ignores these): the schema holding the tables, pool size, timeouts
    # in seconds, and how long a lost connection is retried before an operation fails
    schema_name: str = Field("public", alias="schema", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    pool_min: int = Field(1, ge=0)
    pool_max: int = Field(10, ge=1)
    connect_timeout: float = Field(10.0, gt=0)
    command_timeout: float = Field(60.0, gt=0)
    retry_for: float = Field(60.0, ge=0)
    # account and scheduler leases: renewed every lease_ttl / 3, taken over when expired
    lease_ttl: float = Field(10.0, gt=0)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class HttpConfig(_Section):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    # the most bytes of a request body (webhook, form, API) read; beyond: 413
    max_body: int = Field(DEFAULT_MAX_BODY, ge=1024)
    # addresses of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed
    # (IPs or CIDR networks; "*" for any); empty: the headers are ignored (docs/security.md)
    forwarded_allow_ips: list[str] = Field(default_factory=list)


class AuditConfig(_Section):
    # publish the signed audit head (docs/security.md) every this many minutes; 0: never
    checkpoint_every_minutes: float = Field(0, ge=0)
    # POST the checkpoint's JSON to this URL (an auditor's system), and/or send its text as a
    # notice through this account to this address (e.g. an email account to the inspectorate)
    checkpoint_post_url: str = ""
    checkpoint_account: str = ""
    checkpoint_address: str = ""


class EngineConfig(_Section):
    plan_batch: int = Field(5000, ge=1)
    claim_batch: int = Field(1000, ge=1)
    max_in_flight: int = Field(64, ge=1)
    flush_interval: float = Field(0.1, gt=0)
    max_attempts: int = Field(8, ge=1)
    backoff_base: float = Field(2.0, gt=0)
    backoff_max: float = Field(900.0, gt=0)
    idle_poll: float = Field(0.5, gt=0)
    rate_margin: float = Field(0.0, ge=0)


class ScheduleConfig(_Section):
    quiet_hours: str = "21:00-05:30"
    misfire_grace_minutes: float = Field(30, ge=0)

    @field_validator("quiet_hours")
    @classmethod
    def _check_quiet(cls, value: str) -> str:
        QuietHours.parse(value)
        return value


class HoaxConfig(_Section):
    """The hoax desk (docs/hoax-desk.md)."""

    # how alike (0..1, rapidfuzz token-set ratio of the normalised texts) a report must be to
    # an existing case to join it; lower merges more loosely worded variants, and more claims
    # that differ in one detail
    similarity: float = Field(0.85, gt=0, le=1)
    # days after a confirmed verdict until reports lose their personal parts (reporter hash,
    # address, content); the verdict and the counts stay
    retention_days: float = Field(30, ge=0)


class AccountConfig(BaseModel):
    """One channel account. Keys other than these go to the adapter as its settings."""

    model_config = ConfigDict(extra="allow")
    adapter: str
    enabled: bool = True
    sandbox: bool = False
    limits: dict[str, float | int | None] = Field(default_factory=dict)

    def settings(self) -> dict[str, Any]:
        extra = dict(self.model_extra or {})
        extra["sandbox"] = self.sandbox
        return extra


class Settings(BaseModel):
    """The whole configuration: keyword values (the file's), overridden by ``BROADCASTER_*``
    environment variables by pydantic-settings' rules (``__`` between nested keys, names in any
    case, JSON for a whole section; the environment wins, sections are merged key by key).

    pydantic-settings is imported only when the environment holds such a variable: without one
    its result is the keyword values as given, validated here with the same options
    (``validate_default``, ``arbitrary_types_allowed``, ``extra="forbid"``), so store-only
    commands skip its import (see :func:`_with_environment`).
    """

    model_config = ConfigDict(extra="forbid", validate_default=True, arbitrary_types_allowed=True)
    service: ServiceConfig = ServiceConfig()
    store: StoreConfig = StoreConfig()
    http: HttpConfig = HttpConfig()
    engine: EngineConfig = EngineConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    web: WebConfig = WebConfig()
    audit: AuditConfig = AuditConfig()
    hoax: HoaxConfig = HoaxConfig()
    cap: CapConfig = CapConfig()  # CAP 1.2 feeds of official warnings (docs/emergency.md)
    oncall: OncallConfig = OncallConfig()  # on-call verifiers (docs/emergency.md)
    portal: PortalConfig = PortalConfig()
    accounts: dict[str, AccountConfig] = Field(default_factory=dict)

    def __init__(self, **values: Any) -> None:
        super().__init__(**_with_environment(values))

    def quiet_hours(self) -> QuietHours:
        parsed = QuietHours.parse(self.schedule.quiet_hours)
        return QuietHours(parsed.start, parsed.end, self.service.timezone)

    def data_path(self, path: str | Path) -> Path:
        """``path`` relative to the data directory (absolute paths unchanged)."""
        p = Path(path)
        return p if p.is_absolute() else self.service.data_dir / p


ENV_PREFIX = "BROADCASTER_"


def _environment_names() -> bool:
    """True when a variable in the environment is one pydantic-settings reads for Settings:
    ``BROADCASTER_<SECTION>`` or ``BROADCASTER_<SECTION>__…``, in any case."""
    prefix = ENV_PREFIX.lower()
    sections = Settings.model_fields
    for name in os.environ:
        lowered = name.lower()
        if not lowered.startswith(prefix):
            continue
        rest = lowered[len(prefix) :]
        if rest.partition("__")[0] in sections:
            return True
    return False


def _with_environment(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` as pydantic-settings would hand them to the model: overridden by the
    environment. Without a variable it reads, that is ``values`` itself (its environment source
    then contributes nothing), and it is not imported."""
    if not _environment_names():
        return values
    reader = _environment_reader()
    sources, init_kwargs = reader._settings_init_sources(_init_kwargs=values)
    merged: dict[str, Any] = reader._settings_build_values(sources, init_kwargs)
    return merged


@functools.cache
def _environment_reader() -> Any:
    """A pydantic-settings twin of :class:`Settings` (the same fields and options), used only
    to read the environment the way ``BaseSettings`` does."""
    from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

    class FromEnvironment(BaseSettings, Settings):
        model_config = SettingsConfigDict(
            env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid"
        )

        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            # the file's values arrive as init kwargs; the environment must win over them
            return env_settings, init_settings

    return FromEnvironment


def _is_settings_error(exc: Exception) -> bool:
    """A ``BROADCASTER_*`` variable holding a whole section that is not valid JSON (the
    class is looked up only when pydantic-settings was imported: only then can it be raised)."""
    module = sys.modules.get("pydantic_settings")
    return module is not None and isinstance(exc, module.SettingsError)


def load_settings(path: str | Path | None) -> Settings:
    """Read ``path`` (TOML) and the environment; ConfigError names the key and the problem."""
    data: dict[str, Any] = {}
    where = "environment"
    if path is not None:
        file = Path(path)
        where = str(file)
        try:
            data = tomllib.loads(file.read_text("utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file {file} not found") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config file {file} cannot be read: {exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file}: not valid TOML: {exc}") from exc
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"])
            problems.append(f"{key}: {err['msg']}")
        raise ConfigError(f"{where}: " + "; ".join(problems)) from exc
    except Exception as exc:
        if not _is_settings_error(exc):
            raise
        raise ConfigError(f"environment: {exc}") from exc
    if path is not None:
        # relative data paths are relative to the config file's folder, not the cwd
        base = Path(path).resolve().parent
        if not settings.service.data_dir.is_absolute():
            settings.service.data_dir = base / settings.service.data_dir
        url = settings.store.url
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            settings.store.url = "sqlite:///" + str(base / url.removeprefix("sqlite:///"))
    return settings


__all__ = ["AccountConfig", "HoaxConfig", "Settings", "load_settings"]
