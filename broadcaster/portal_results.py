"""Poll results for the public: rolled up per region, small counts never shown.

An announcement's poll results are public only when its approved content says so
(``public_results: true``). Each table splits one region's answers over its subregions; the
rule that keeps a small neighbourhood's votes untraceable is applied to every table:

1. A subregion is shown only when it has at least ``min_count`` answers (the people counted:
   the sum of the option counts, or for a multiple-answer poll the largest option count, the
   fewest people those answers can come from). Counts are suppressed, never rounded.
2. The subregions below that are merged into one "other regions" row. If that row is itself
   below ``min_count`` (one small RT would then be the parent's total minus the shown rows),
   the smallest shown subregion is merged into it too, until it reaches ``min_count``.
3. A table whose region has fewer than ``min_count`` answers in all is not shown at all, and a
   region's own table is offered only when the region is shown as a row of its parent's table
   (else its total, the sum of its table, would reveal the merged row by subtraction).

So every number published is the sum of at least ``min_count`` answers, and no published number
minus others equals a group of fewer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from content.levels import Level

from .regions import LEVEL_ORDER, level_of, parent_code
from .results import ancestor_at
from .store.records import GroupTally


@dataclass(frozen=True)
class Cell:
    """Answers of the groups in one region (or of a merged bucket when ``code`` is None)."""

    code: str | None
    counts: tuple[int, ...]
    reached: int  # groups the poll went to
    answered: int  # groups with at least one answer
    people: int  # the count the minimum applies to

    @property
    def rate(self) -> float:
        """Groups that answered / groups reached (0 when none was reached)."""
        return self.answered / self.reached if self.reached else 0.0


@dataclass(frozen=True)
class Table:
    """One region's answers split over its subregions."""

    region: str | None  # None: the top table (rows are provinces)
    total: Cell
    rows: list[Cell]  # shown subregions, by code
    other: Cell | None  # the merged rest, or None when nothing was merged


def people(counts: Sequence[int], multiple: bool) -> int:
    return max(counts, default=0) if multiple else sum(counts)


def _merge(code: str | None, cells: Sequence[Cell], options: int, multiple: bool) -> Cell:
    counts = tuple(sum(c.counts[i] for c in cells) for i in range(options))
    return Cell(
        code=code,
        counts=counts,
        reached=sum(c.reached for c in cells),
        answered=sum(c.answered for c in cells),
        people=people(counts, multiple),
    )


def child_level(region: str | None) -> Level | None:
    if region is None:
        return Level.province
    level = level_of(region)
    if level is None:
        return None
    index = LEVEL_ORDER.index(level) + 1
    return LEVEL_ORDER[index] if index < len(LEVEL_ORDER) else None


def _in(region: str | None, code: str) -> bool:
    return region is None or code == region or code.startswith(region)


def split(
    tallies: Sequence[GroupTally], region: str | None, options: int, multiple: bool
) -> dict[str, Cell]:
    """The answers under ``region`` per subregion (a group attached to ``region`` itself is
    counted under ``region``'s own code)."""
    level = child_level(region)
    grouped: dict[str, list[Cell]] = {}
    for tally in tallies:
        if not _in(region, tally.region):
            continue
        key = (ancestor_at(tally.region, level) if level else None) or tally.region
        answered = 1 if any(tally.counts) else 0
        cell = Cell(
            code=key,
            counts=tuple(tally.counts[:options]) + (0,) * (options - len(tally.counts)),
            reached=1,
            answered=answered,
            people=people(tally.counts, multiple),
        )
        grouped.setdefault(key, []).append(cell)
    return {key: _merge(key, cells, options, multiple) for key, cells in grouped.items()}


def table(
    tallies: Sequence[GroupTally],
    region: str | None,
    options: int,
    multiple: bool,
    min_count: int,
) -> Table | None:
    """``region``'s table under the rules of the module docstring; None when its total is
    below ``min_count`` (nothing of it may be shown)."""
    cells = split(tallies, region, options, multiple)
    total = _merge(region, list(cells.values()), options, multiple)
    if total.people < min_count:
        return None
    shown = sorted((c for c in cells.values() if c.people >= min_count), key=_size)
    hidden = [c for c in cells.values() if c.people < min_count]
    while hidden and _merge(None, hidden, options, multiple).people < min_count and shown:
        hidden.append(shown.pop(0))  # the smallest shown row joins the merged rest
    other = _merge(None, hidden, options, multiple) if hidden else None
    rows = sorted(shown, key=lambda c: c.code or "")
    return Table(region=region, total=total, rows=rows, other=other)


def _size(cell: Cell) -> tuple[int, str]:
    return cell.people, cell.code or ""


def public_table(
    tallies: Sequence[GroupTally],
    region: str | None,
    options: int,
    multiple: bool,
    min_count: int,
) -> Table | None:
    """``region``'s table if it may be shown: every table on the way down from the top shows
    the next region on the way as a row of its own (rule 3); else None."""
    path: list[str | None] = [None]
    if region is not None:
        chain: list[str] = []
        current: str | None = region
        while current is not None:
            chain.append(current)
            current = parent_code(current)
        path += list(reversed(chain))
    for parent, child in pairwise(path):
        above = table(tallies, parent, options, multiple, min_count)
        if above is None or child not in {c.code for c in above.rows}:
            return None
    return table(tallies, region, options, multiple, min_count)


__all__ = ["Cell", "Table", "child_level", "people", "public_table", "split", "table"]
