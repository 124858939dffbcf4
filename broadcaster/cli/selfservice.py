"""Self-service and onboarding commands, added to the existing command groups:
``regions search``, ``groups import``, ``users import`` (``web invite`` is with the other
dashboard commands in :mod:`.web`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ..app import App
from .common import (
    AsOption,
    ConfigOption,
    JsonOption,
    emit,
    emit_one,
    err_console,
    fail,
    with_app,
)
from .directory import groups, regions, users


@regions.command("search")
def regions_search(
    text: str = typer.Argument(..., help='a name, e.g. "kec. cipocok jaya" or "tajur tangerang"'),
    limit: int = typer.Option(10, help="at most this many matches"),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Find regions by name: any case, abbreviations (kec., kel., ds., kab., kota), extra
    words (a parent's name) and a typo are forgiven. Best match first."""
    from ..regionsearch import finder_for

    async def go(app: App) -> list[dict[str, Any]]:
        return [m.as_dict() for m in await finder_for(app.store).search(text, limit)]

    rows = with_app(config, go)
    emit(rows, ["code", "level", "label", "score"], as_json, title=f"regions matching {text!r}")


@groups.command("import")
def groups_import(
    file: Path = typer.Argument(
        ..., help="CSV or XLSX: account,address,region,kind,title,language"
    ),
    check: bool = typer.Option(False, "--check", help="validate only; write nothing"),
    active: bool = typer.Option(
        False, "--active", help="approve every group at once (needs approval rights there)"
    ),
    acting: str = AsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Add many groups from a sheet, all or nothing: every problem is listed as FILE:LINE,
    and importing the same file again changes nothing."""
    from ..onboarding import import_groups_file

    if not file.is_file():
        fail(f"{file}: no such file")

    async def go(app: App) -> dict[str, Any]:
        report = await import_groups_file(app.directory, acting, file, check, active)
        return report.as_dict()

    report = with_app(config, go)
    if check and report["problems"]:
        if as_json:
            emit_one(report, True)
        else:
            err_console.print("\n".join(str(p) for p in report["problems"]), highlight=False)
        raise typer.Exit(1)
    emit_one(report if as_json else {k: v for k, v in report.items() if k != "problems"}, as_json)


@users.command("import")
def users_import(
    file: Path = typer.Argument(
        ..., help="CSV or XLSX with the header name,role,scope,email,valid_until"
    ),
    check: bool = typer.Option(False, "--check", help="validate only; write nothing"),
    acting: str = AsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Add a cohort of users (e.g. student verifiers until the end of term), all or nothing:
    every problem is listed as FILE:LINE. Importing it again only updates end dates and
    e-mail addresses that changed."""
    from ..people import import_users_file

    if not file.is_file():
        fail(f"{file}: no such file")

    async def go(app: App) -> dict[str, Any]:
        return (await import_users_file(app.directory, acting, file, check)).as_dict()

    report = with_app(config, go)
    if check and report["problems"]:
        if as_json:
            emit_one(report, True)
        else:
            err_console.print("\n".join(str(p) for p in report["problems"]), highlight=False)
        raise typer.Exit(1)
    emit_one(report if as_json else {k: v for k, v in report.items() if k != "problems"}, as_json)
