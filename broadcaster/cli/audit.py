"""``broadcaster audit``: read and verify the hash-chained audit log."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from ..audit import verify_chain
from ..auth import Perm, require
from .checkpoint import CheckpointOption, checked_against, checkpoint_command
from .common import AsOption, ConfigOption, JsonOption, console, emit, emit_one, with_app

if TYPE_CHECKING:
    from ..app import App

audit = typer.Typer(help="Read and verify the hash-chained audit log.", no_args_is_help=True)


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
    limit: int = typer.Option(50),
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
