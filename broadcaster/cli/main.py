"""Entry point of the ``broadcaster`` command."""

from __future__ import annotations

import logging
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import typer

from content.model import Level

from ..app import App
from ..audit import verify_chain
from ..auth import Perm, require
from .announcements import announcements, dispatches
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
from .selfservice import regions_search  # noqa: F401 - registers `regions search` etc.
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


@audit.command("verify")
def audit_verify(config: Path | None = ConfigOption, as_json: bool = JsonOption) -> None:
    """Check the whole chain; exit 1 naming the first bad entry."""

    async def go(a: App) -> dict[str, Any]:
        head = await a.store.audit_head()
        result = await verify_chain(a.store.iter_audit(), head)
        return {
            "ok": result.ok,
            "checked": result.checked,
            "first_bad_entry": result.first_bad_seq,
            "problem": result.problem,
        }

    result = with_app(config, go)
    if not result["ok"]:
        emit_one(result, as_json)
        console.print(
            f"[bold red]audit chain broken at entry {result['first_bad_entry']}:[/] "
            f"{result['problem']}"
        )
        raise typer.Exit(1)
    emit_one(result, as_json)


@audit.command("list")
def audit_list(
    limit: int = typer.Option(50),
    object_type: str | None = typer.Option(None, "--type", help="announcement, group, dispatch, …"),
    object_id: str | None = typer.Option(None, "--id"),
    acting: str = AsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """The newest audit entries: who did what, to which object, when."""

    async def go(a: App) -> list[dict[str, Any]]:
        require(await a.directory.actor(acting), Perm.read)
        from datetime import UTC, datetime

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
            for e in await a.store.list_audit(limit, object_type, object_id)
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
    limit: int = typer.Option(50),
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
    verbose: bool = typer.Option(False, "--verbose", "-v"),
    role: list[str] = typer.Option(
        [], "--role", help="sender, scheduler, web or all (repeatable; default [service] roles)"
    ),
) -> None:
    """Run the service: store, scheduler, senders and the HTTP app, until Ctrl-C."""
    from ..service import serve, use_fast_event_loop

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not verbose:
        # one line per HTTP request drowns the service's own log
        for noisy in ("httpx", "apscheduler", "aiogram.event"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
