"""``broadcaster audit checkpoint`` and the checkpoint part of ``audit verify --checkpoint``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import typer

from ..app import App
from ..checkpoint import checkpoint_problem, current_checkpoint, parse_checkpoint
from ..errors import InputError
from ..inbox import load_salt
from .common import ConfigOption, JsonOption, console, emit_one, with_app


def checkpoint_command(config: Path | None = ConfigOption, as_json: bool = JsonOption) -> None:
    """Print the signed head of the audit log (sequence, hash, time). Keep it outside this
    system (mail it to the auditor, print it): `audit verify --checkpoint FILE` later proves
    the log still holds that entry. With --json, the form to save as FILE."""

    async def go(a: App) -> dict[str, Any]:
        secret = await asyncio.to_thread(load_salt, a.settings.service.data_dir)
        checkpoint = await current_checkpoint(a.store, secret)
        if checkpoint is None:
            raise InputError("the audit log is empty: nothing to checkpoint yet")
        return checkpoint.to_json()

    result = with_app(config, go)
    if as_json:
        emit_one(result, True)
        return
    emit_one(result, False)
    console.print("Keep this outside the system; save the --json form to verify against.")


async def checked_against(a: App, path: Path) -> str | None:
    """The problem with the checkpoint in ``path`` (None: the log still holds it)."""
    try:
        text = await asyncio.to_thread(path.read_text, "utf-8")
    except OSError as exc:
        raise InputError(f"checkpoint file {path}: {exc.strerror or exc}") from None
    checkpoint = parse_checkpoint(text)
    secret = await asyncio.to_thread(load_salt, a.settings.service.data_dir)
    return await checkpoint_problem(a.store, checkpoint, secret)


CheckpointOption = typer.Option(
    None,
    "--checkpoint",
    help="a checkpoint kept outside (audit checkpoint --json, or GET /audit/head): fail when "
    "the log no longer holds that entry with that hash",
)
