"""Entry point of the ``broadcaster`` command."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from content.model import Level

from ..app import App
from ..audit import verify_chain
from ..auth import Perm, require
from .announcements import announcements, dispatches
from .checkpoint import CheckpointOption, checked_against, checkpoint_command
from .common import (
    AsOption,
    ConfigOption,
    JsonOption,
    console,
    emit,
    emit_one,
    run,
    settings_from,
    with_app,
)
from .db import db, roles_option
from .directory import groups, regions, users
from .entry import run_cli
from .logs import configure_logging
from .reasons import dispatches_failures
from .web import web

app = typer.Typer(
    help="broadcaster: verified announcements to every neighbourhood group.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(regions, name="regions")
app.add_typer(groups, name="groups")
app.add_typer(users, name="users")
app.add_typer(announcements, name="announcements")
app.add_typer(dispatches, name="dispatches")
dispatches.command("failures")(dispatches_failures)
app.add_typer(web, name="web")  # dashboard passwords and API tokens
audit = typer.Typer(help="Read and verify the hash-chained audit log.", no_args_is_help=True)
app.add_typer(audit, name="audit")
app.add_typer(db, name="db")


def _plugins() -> None:
    """Command groups registered under the entry-point group ``broadcaster.cli`` (the core
    never imports them directly). A plugin that fails to load is skipped with a warning."""
    for ep in entry_points(group="broadcaster.cli"):
        try:
            sub = ep.load()
        except Exception as exc:  # a broken plugin must not take the whole CLI down
            logging.getLogger(__name__).warning("CLI plugin %s not loaded: %s", ep.name, exc)
            continue
        if isinstance(sub, typer.Typer):
            app.add_typer(sub, name=ep.name)


_plugins()


audit.command("checkpoint")(checkpoint_command)


@audit.command("verify")
def audit_verify(
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
    checkpoint: Path | None = CheckpointOption,
) -> None:
    """Check the whole chain (and, with --checkpoint, that the log still holds the entry a
    checkpoint kept outside names); exit 1 naming the first bad entry."""

    async def go(a: App) -> dict[str, Any]:
        head = await a.store.audit_head()
        result = await verify_chain(a.store.iter_audit(), head)
        out: dict[str, Any] = {
            "ok": result.ok,
            "checked": result.checked,
            "first_bad_entry": result.first_bad_seq,
            "problem": result.problem,
        }
        if checkpoint is not None:
            problem = await checked_against(a, checkpoint)
            if result.ok and problem is not None:
                out.update(ok=False, problem=problem)
            out["checkpoint"] = "ok" if problem is None else "failed"
        return out

    result = with_app(config, go)
    if not result["ok"]:
        emit_one(result, as_json)
        where = result["first_bad_entry"]
        console.print(
            f"[bold red]audit chain broken{f' at entry {where}' if where else ''}:[/] "
            f"{escape(str(result['problem']))}"
        )
        raise typer.Exit(1)
    emit_one(result, as_json)


@audit.command("list")
def audit_list(
    limit: int = typer.Option(50, min=1, help="at most this many rows"),
    object_type: str | None = typer.Option(None, "--type", help="announcement, group, dispatch, …"),
    object_id: str | None = typer.Option(None, "--id"),
    acting: str = AsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """The newest audit entries: who did what, to which object, when."""

    async def go(a: App) -> list[dict[str, Any]]:
        reader = await a.directory.actor(acting)
        require(reader, Perm.read)
        from datetime import UTC, datetime

        from ..audit_scope import visible_audit

        return [
            {
                "seq": e.seq,
                "at": f"{datetime.fromtimestamp(e.at, UTC):%Y-%m-%d %H:%M:%S}",
                "actor": e.actor,
                "action": e.action,
                "object": f"{e.object_type}:{e.object_id}",
                "detail": e.detail,
                "hash": e.hash[:12],
            }
            for e in await visible_audit(a.store, reader, limit, object_type, object_id)
        ]

    emit(with_app(config, go), ["seq", "at", "actor", "action", "object", "detail"], as_json)


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


@app.command("inbox")
def inbox_command(
    limit: int = typer.Option(50, min=1, help="at most this many rows"),
    acting: str = AsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Residents' replies to announcements (moderation inbox), newest first."""

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
