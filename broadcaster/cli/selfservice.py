"""``broadcaster regions search``: regions by name (commands added to the existing groups)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ..app import App
from .common import ConfigOption, JsonOption, emit, with_app
from .directory import regions


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
