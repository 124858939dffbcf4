"""``broadcaster db``: the store's schema (versioned migrations for SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ..app import App
from ..errors import ConfigError
from ..store import open_store
from .common import ConfigOption, JsonOption, emit_one, fail, run, settings_from, with_app

db = typer.Typer(help="The store's schema: versions and migrations.", no_args_is_help=True)


def roles_option(values: list[str]) -> list[str]:
    """``broadcaster run --role``: validated, or one error line and exit 1."""
    from ..config import parse_roles  # pydantic: only for the commands that take --role

    try:
        return parse_roles(values)
    except ConfigError as exc:
        fail(str(exc))
        raise  # unreachable: fail() exits


def _url(url: str) -> str:
    """The store URL without a password, for display."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        url = f"{scheme}://{credentials.split(':', 1)[0]}@{host}"
    return url


@db.command("migrate")
def migrate(config: Path | None = ConfigOption, as_json: bool = JsonOption) -> None:
    """Apply pending migrations (opening the store applies them too; run this first when
    deploying a new version to many processes). Safe to run from several machines at once."""

    settings = settings_from(config)

    async def go() -> dict[str, Any]:
        # opening migrates: one transaction per version, under a lock, so concurrent runs
        # (several machines starting together) apply each version once
        async with open_store(settings.store.url, settings.store) as store:
            return {
                "store": _url(settings.store.url),
                "schema_version": await store.schema_version(),
            }

    emit_one(run(go), as_json)


@db.command("version")
def version(config: Path | None = ConfigOption, as_json: bool = JsonOption) -> None:
    """The schema version of the store."""

    async def go(a: App) -> dict[str, Any]:
        return {
            "store": _url(a.essentials.store.url),
            "schema_version": await a.store.schema_version(),
        }

    emit_one(with_app(config, go), as_json)
