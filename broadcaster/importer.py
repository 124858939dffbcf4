"""Import the region hierarchy from CSV files shaped like the Kemendagri wilayah data.

Files (no header row): ``provinces.csv`` (``id,name``), ``regencies.csv``, ``districts.csv``,
``villages.csv`` (``id,parent_id,name``). RW/RT units are generated (``--rw N --rt N`` for every
village imported) or read from a CSV of ``village,rw,rt`` (RT count per RW).

All rows are read and checked before anything is written; then everything is written in ONE
transaction. A bad row (malformed code, unknown parent, a code that does not extend its parent's,
an id seen with two parents) raises :class:`RegionImportError` naming the file, line and problem,
and nothing is imported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from content.levels import Level

from .errors import InputError, RegionImportError
from .regions import level_of, parent_code, rt_code, rw_code
from .store.contract import Store
from .store.records import AuditRecord, ImportStats, Region

FILES: tuple[tuple[str, Level, bool], ...] = (
    ("provinces.csv", Level.province, False),
    ("regencies.csv", Level.regency, True),
    ("districts.csv", Level.district, True),
    ("villages.csv", Level.village, True),
)


@dataclass(frozen=True)
class UnitPlan:
    """RW/RT units to create: a fixed count per village, or per-village rows from a file."""

    rw: int = 0
    rt: int = 0
    file: Path | None = None


def _read_rows(path: Path) -> list[tuple[int, list[str]]]:
    """Non-blank rows as (line number in the file, stripped cells)."""
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RegionImportError(path.name, 0, f"not UTF-8 text: {exc}") from exc
    reader = csv.reader(io.StringIO(text), skipinitialspace=True)  # `a, "b, c"` is 2 cells
    out: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            cells = [cell.strip() for cell in row]
            if any(cells):
                # line_num, not a record count: a quoted field may span lines
                out.append((reader.line_num, cells))
    except csv.Error as exc:
        raise RegionImportError(path.name, reader.line_num, f"not valid CSV: {exc}") from exc
    return out


def read_regions(directory: Path, province: str | None = None) -> list[tuple[str, int, Region]]:
    """Rows from the four files as (file name, line, region), parents before children.

    ``province`` keeps only that province's subtree. Raises RegionImportError.
    """
    if not directory.is_dir():
        raise InputError(f"{directory} is not a directory")
    if province is not None and level_of(province) is not Level.province:
        raise InputError(f"--province must be a 2-digit province code, got {province!r}")
    present = [name for name, _, _ in FILES if (directory / name).exists()]
    if not present:
        names = ", ".join(name for name, _, _ in FILES)
        raise InputError(f"{directory} holds none of {names}")
    out: list[tuple[str, int, Region]] = []
    for name, level, has_parent in FILES:
        path = directory / name
        if not path.exists():
            continue
        for line, cells in _read_rows(path):
            expected = 3 if has_parent else 2
            if len(cells) != expected:
                shape = "id,parent_id,name" if has_parent else "id,name"
                raise RegionImportError(
                    name, line, f"expected {expected} columns ({shape}), found {len(cells)}"
                )
            code, name_cell = cells[0], cells[-1]
            if level_of(code) is not level:
                raise RegionImportError(name, line, f"malformed {level.value} code {code!r}")
            parent = cells[1] if has_parent else None
            if parent is not None and parent_code(code) != parent:
                raise RegionImportError(
                    name, line, f"code {code} does not extend its parent's code {parent}"
                )
            if not name_cell:
                raise RegionImportError(name, line, f"region {code} has an empty name")
            if province is not None and not code.startswith(province):
                continue
            out.append((name, line, Region(code=code, level=level, name=name_cell, parent=parent)))
    return out


def unit_regions(villages: Sequence[str], plan: UnitPlan) -> list[tuple[str, int, Region]]:
    """RW and RT regions for ``villages`` (fixed counts) or from ``plan.file``."""
    out: list[tuple[str, int, Region]] = []
    if plan.file is not None:
        name = plan.file.name
        for line, cells in _read_rows(plan.file):
            if len(cells) != 3:
                raise RegionImportError(
                    name, line, f"expected 3 columns (village,rw,rt), found {len(cells)}"
                )
            village, rw_text, rt_text = cells
            if level_of(village) is not Level.village:
                raise RegionImportError(name, line, f"malformed village code {village!r}")
            try:
                rw_no, rt_count = int(rw_text), int(rt_text)
                rw = rw_code(village, rw_no)
                units = [(rw, Level.rw, f"RW {rw_no:03d}", village)]
                units += [
                    (rt_code(rw, n), Level.rt, f"RT {n:03d}", rw) for n in range(1, rt_count + 1)
                ]
            except (ValueError, InputError) as exc:
                raise RegionImportError(name, line, f"bad RW/RT numbers: {exc}") from exc
            out += [
                (name, line, Region(code=c, level=lv, name=nm, parent=p)) for c, lv, nm, p in units
            ]
        return out
    if plan.rw < 0 or plan.rt < 0 or plan.rw > 999 or plan.rt > 999:
        raise InputError("--rw and --rt must be between 0 and 999")
    for village in villages:
        for rw_no in range(1, plan.rw + 1):
            rw = rw_code(village, rw_no)
            out.append(
                ("--rw", 0, Region(code=rw, level=Level.rw, name=f"RW {rw_no:03d}", parent=village))
            )
            for rt_no in range(1, plan.rt + 1):
                out.append(
                    (
                        "--rt",
                        0,
                        Region(
                            code=rt_code(rw, rt_no),
                            level=Level.rt,
                            name=f"RT {rt_no:03d}",
                            parent=rw,
                        ),
                    )
                )
    return out


async def import_regions(
    store: Store,
    directory: Path | None,
    actor: str,
    province: str | None = None,
    units: UnitPlan | None = None,
) -> ImportStats:
    """Validate everything, then write everything in one transaction (see module docstring)."""
    rows = read_regions(directory, province) if directory is not None else []
    if units is not None and units.rt and not units.rw and units.file is None:
        raise InputError("--rt needs --rw: RTs are created inside each new RW")
    if units is not None and (units.rw or units.file is not None):
        villages = [r.code for _, _, r in rows if r.level is Level.village]
        if not villages and units.file is None:
            raise InputError("--rw/--rt need villages: import villages.csv in the same run")
        rows += unit_regions(villages, units)
    if not rows:
        raise InputError("nothing to import")
    seen: dict[str, tuple[str, int, Region]] = {}
    for file, line, region in rows:
        previous = seen.get(region.code)
        if previous is not None and previous[2].parent != region.parent:
            raise RegionImportError(
                file,
                line,
                f"region {region.code} appears with parent {region.parent} here but with "
                f"parent {previous[2].parent} at {previous[0]}:{previous[1]}",
            )
        seen[region.code] = (file, line, region)
    missing = {r.parent for _, _, r in rows if r.parent is not None and r.parent not in seen}
    stored = await store.get_regions(sorted(missing))
    for file, line, region in rows:
        if region.parent is not None and region.parent not in seen and region.parent not in stored:
            raise RegionImportError(
                file, line, f"unknown parent {region.parent} of region {region.code}"
            )
    known = await store.get_regions([code for code in seen if code not in missing])
    for code, (file, line, region) in seen.items():
        old = known.get(code)
        if old is not None and old.parent != region.parent:
            raise RegionImportError(
                file,
                line,
                f"region {code} already exists with parent {old.parent}, not {region.parent}",
            )
    ordered = [r for _, _, r in seen.values()]
    return await store.import_regions(
        ordered,
        AuditRecord(
            actor=actor,
            action="regions.import",
            object_type="regions",
            object_id=str(directory) if directory else str(units.file if units else ""),
            detail={"rows": len(ordered), "province": province},
        ),
    )
