"""Shared CLI plumbing: config location, running coroutines, one-line errors, output."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ..errors import BroadcasterError

if TYPE_CHECKING:
    from ..app import App
    from ..config import Settings

T = TypeVar("T")
console = Console()
err_console = Console(stderr=True, soft_wrap=True)

ConfigOption = typer.Option(
    None,
    "--config",
    "-c",
    help="config file (default: $BROADCASTER_CONFIG, else ./config.toml when present)",
    envvar="BROADCASTER_CONFIG",
)
AsOption = typer.Option(
    ..., "--as", help="the acting user (every action is authorised and audited)"
)
JsonOption = typer.Option(False, "--json", help="print JSON for scripts instead of a table")


def config_path(path: Path | None) -> Path | None:
    """The config file a command reads: ``path`` (``--config`` or $BROADCASTER_CONFIG), else
    ./config.toml when present, else none (defaults and the environment only)."""
    if path is None and Path("config.toml").exists():
        return Path("config.toml")
    return path


def settings_from(path: Path | None) -> Settings:
    from ..config import load_settings

    return load_settings(config_path(path))


def fail(message: str) -> None:
    """Print ``error: message`` as one line on stderr and exit 1 (the message is printed as
    is: text in square brackets such as ``[accounts.wa]`` is not taken for Rich markup)."""
    err_console.print(f"[bold red]error:[/] {escape(error_text(message))}", highlight=False)
    raise typer.Exit(1)


def one_line(message: str) -> str:
    """``message`` with its line breaks folded into spaces (an error is one line)."""
    return " ".join(message.split())


# a problem that names its place: "FILE:LINE: what is wrong"
_PROBLEM_LINE = re.compile(r"^\S+:\d+: ")


def error_text(message: str) -> str:
    """An error as printed: one line — except a list of problems in a file (a summary, then one
    ``FILE:LINE: problem`` per line, as the importers report), which keeps each problem on its
    own line so that every one can be found and fixed."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    if len(lines) > 1 and all(_PROBLEM_LINE.match(line) for line in lines[1:]):
        return "\n".join(lines)
    return one_line(message)


def run(coro_fn: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine; print a broadcaster error as one line and exit 1, never a traceback."""
    try:
        return asyncio.run(_wrap(coro_fn))
    except BroadcasterError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except Exception as exc:
        if not _is_input_error(exc):
            raise
        fail(str(exc))
    raise AssertionError("unreachable")


def _is_input_error(exc: Exception) -> bool:
    """An announcement file or a schedule that does not parse: the person's input, not a bug.
    (Imported here, on the error path only: most commands never load either parser.)"""
    from content.loader import LoaderError
    from schedules.spec import ScheduleError

    return isinstance(exc, ScheduleError | LoaderError)


async def _wrap(coro_fn: Callable[[], Awaitable[T]]) -> T:
    return await coro_fn()


def with_app(path: Path | None, fn: Callable[[App], Awaitable[T]]) -> T:
    from ..app import App

    async def go() -> T:
        # opened from the validated config's cached essentials when nothing changed: a
        # store-only command never imports pydantic (broadcaster.config_cache)
        async with App.from_config(config_path(path)) as app:
            return await fn(app)

    return run(go)


def emit(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    as_json: bool,
    title: str = "",
    keep: Sequence[str] = (),
) -> None:
    """Rows as a table (or a JSON list). Columns in ``keep`` (ids, addresses, region codes:
    what an operator copies) are never shortened, folded or wrapped, however narrow the
    terminal: the other columns give way."""
    if as_json:
        sys.stdout.write(json.dumps(list(rows), ensure_ascii=False, default=str, indent=2) + "\n")
        return
    table = Table(title=title or None, show_lines=False)
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    for i, column in enumerate(columns):
        if column in keep:
            widest = max((len(line[i]) for line in cells), default=0)
            table.add_column(
                column, no_wrap=True, overflow="ignore", min_width=max(widest, len(column))
            )
        else:
            table.add_column(column)
    for line in cells:
        table.add_row(*(Text(cell) for cell in line))  # printed as is, never as markup
    console.print(table)
    if not rows:
        console.print("(none)")


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def emit_one(row: dict[str, Any], as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str, indent=2) + "\n")
        return
    width = max((len(k) for k in row), default=0)
    for key, value in row.items():
        console.print(
            f"[bold]{escape(key.ljust(width))}[/]  {escape(_cell(value))}", highlight=False
        )


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes")
