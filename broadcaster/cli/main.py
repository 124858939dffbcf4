"""Entry point of the ``broadcaster`` command."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from content.levels import Level

from .common import AsOption, ConfigOption, JsonOption, emit, run, settings_from, with_app
from .entry import run_cli
from .lazy import LazyGroup
from .logs import configure_logging

if TYPE_CHECKING:
    from ..app import App


class Commands(LazyGroup):
    """The command groups, each imported only when used (see :mod:`broadcaster.cli.lazy`);
    ``broadcaster.cli`` entry points (e.g. ``broadcaster sandbox``) follow them."""

    groups = {  # noqa: RUF012 - class-level table read by LazyGroup
        # the self-service module adds `regions search`, `groups import` and `users import` to
        # the directory groups, so they are loaded through it
        "regions": "broadcaster.cli.selfservice:regions",
        "groups": "broadcaster.cli.selfservice:groups",
        "users": "broadcaster.cli.selfservice:users",
        "announcements": "broadcaster.cli.announcements:announcements",
        "dispatches": "broadcaster.cli.announcements:dispatches",
        "web": "broadcaster.cli.web:web",  # dashboard passwords and API tokens
        "audit": "broadcaster.cli.audit:audit",
        "db": "broadcaster.cli.db:db",
        "hoaxes": "broadcaster.cli.hoaxes:hoaxes",  # the hoax desk (docs/hoax-desk.md)
        "cap": "broadcaster.cli.cap:cap",  # CAP 1.2 warnings in (issue 15)
        "oncall": "broadcaster.cli.oncall:oncall",  # on-call rota, alerts, emergency timings
    }


app = typer.Typer(
    cls=Commands,
    help="broadcaster: verified announcements to every neighbourhood group.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.command("results")
def results_command(
    announcement_id: int = typer.Argument(...),
    level: Level = typer.Option(Level.regency, help="roll up to this level"),
    csv_file: Path | None = typer.Option(None, "--csv", help="also write the table as CSV"),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Poll results of an announcement, rolled up RT → RW → village → … → province."""
    from ..results import results, to_csv

    async def go(a: App) -> tuple[list[str], list[Any]]:
        return await results(a.store, announcement_id, level)

    options, rows = with_app(config, go)
    if csv_file is not None:
        csv_file.write_text(to_csv(options, rows), encoding="utf-8")
    table = [
        {
            "region": r.region,
            "name": r.name,
            "groups": r.groups,
            **dict(zip(options, r.counts, strict=True)),
            "total": r.total,
        }
        for r in rows
    ]
    emit(table, ["region", "name", "groups", *options, "total"], as_json)


@app.command("forecast")
def forecast_command(
    announcement_id: int = typer.Argument(...),
    lang: str = typer.Option("id", "--lang", help="language of the warnings: id or en"),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Reach forecast of an announcement (before dispatch: its target; else what remains of its
    running dispatch): per account the groups, the limits that bind and the seconds to 50, 95
    and 100 %, with warnings (docs/emergency.md)."""
    from .forecast import show_forecast

    show_forecast(announcement_id, config, as_json, lang)


@app.command("inbox")
def inbox_command(
    limit: int = typer.Option(50, min=1, help="at most this many rows"),
    acting: str = AsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Residents' replies to announcements (moderation inbox), newest first."""
    from ..auth import Perm, require

    async def go(a: App) -> list[dict[str, Any]]:
        require(await a.directory.actor(acting), Perm.read)
        return [
            {
                "id": r.id,
                "at": f"{r.at:%Y-%m-%d %H:%M}",
                "group": r.group_id,
                "author": r.author,
                "text": r.text,
                "status": r.status,
            }
            for r in await a.store.list_replies(limit)
        ]

    emit(with_app(config, go), ["id", "at", "group", "author", "text"], as_json)


@app.command("run")
def run_service(
    demo: bool = typer.Option(
        False, "--demo", help="seed demo regions, users, groups and one announcement on first start"
    ),
    config: Path | None = ConfigOption,
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="log at DEBUG level (SQL statements only with --debug-sql)"
    ),
    debug_sql: bool = typer.Option(
        False, "--debug-sql", help="also log every SQL statement the store runs (very verbose)"
    ),
    role: list[str] = typer.Option(
        [], "--role", help="sender, scheduler, web or all (repeatable; default [service] roles)"
    ),
) -> None:
    """Run the service: store, scheduler, senders and the HTTP app, until Ctrl-C."""
    from ..service import serve, use_fast_event_loop
    from .db import roles_option

    configure_logging(verbose, debug_sql)
    settings = settings_from(config)
    if role:
        settings.service.roles = roles_option(role)
    hook = None
    if demo:
        from ..demo import seed_and_announce

        hook = seed_and_announce

    async def go() -> None:
        await serve(settings, hook)

    use_fast_event_loop()
    run(go)


def main(argv: Sequence[str] | None = None) -> None:
    """The ``broadcaster`` command: exits with the command's status. Bad input of any kind (an
    unknown option, a value of the wrong type, an unreadable file, a refused action) prints one
    ``error:`` line and exits 1; ``BROADCASTER_TRACEBACK=1`` shows the traceback of an
    unexpected error instead."""
    sys.exit(run_cli(typer.main.get_command(app), argv))


if __name__ == "__main__":
    main()
