"""``broadcaster audit``: read and verify the hash-chained audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from ..audit import verify_chain
from ..auth import Perm, require
from .common import AsOption, ConfigOption, JsonOption, console, emit, emit_one, with_app

if TYPE_CHECKING:
    from ..app import App

audit = typer.Typer(help="Read and verify the hash-chained audit log.", no_args_is_help=True)


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
