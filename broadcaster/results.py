"""Poll results rolled up the hierarchy: RT → RW → village → district → regency → province."""

from __future__ import annotations

from dataclasses import dataclass

from content.levels import Level

from .csvsafe import csv_text
from .regions import LEVEL_ORDER, level_of, parent_code
from .store.contract import Store
from .store.records import GroupTally


@dataclass(frozen=True)
class RegionResult:
    region: str
    name: str
    level: Level
    groups: int
    counts: tuple[int, ...]
    #: groups (of ``groups``, the ones the poll reached) with at least one answer
    answered: int = 0

    @property
    def response_rate(self) -> float:
        """Groups that answered / groups reached (0 when none was reached)."""
        return self.answered / self.groups if self.groups else 0.0

    @property
    def total(self) -> int:
        return sum(self.counts)


def ancestor_at(code: str, level: Level) -> str | None:
    """The ancestor of ``code`` at ``level`` (itself when it is at that level)."""
    current: str | None = code
    while current is not None:
        if level_of(current) is level:
            return current
        current = parent_code(current)
    return None


def roll_up(
    tallies: list[GroupTally], level: Level, options: int
) -> dict[str, tuple[int, list[int]]]:
    """(group count, counts per option) per region at ``level``. Groups attached above that level
    (e.g. a PKK group at a village when rolling up by RT) are counted at their own node."""
    out: dict[str, tuple[int, list[int]]] = {}
    for tally in tallies:
        key = ancestor_at(tally.region, level) or tally.region
        groups, counts = out.setdefault(key, (0, [0] * options))
        for index, count in enumerate(tally.counts):
            counts[index] += count
        out[key] = (groups + 1, counts)
    return out


def answered_by_region(tallies: list[GroupTally], level: Level) -> dict[str, int]:
    """Per region at ``level`` (keyed as :func:`roll_up` keys them): the groups that answered."""
    out: dict[str, int] = {}
    for tally in tallies:
        if any(tally.counts):
            key = ancestor_at(tally.region, level) or tally.region
            out[key] = out.get(key, 0) + 1
    return out


async def results(
    store: Store, announcement_id: int, level: Level
) -> tuple[list[str], list[RegionResult]]:
    """The poll's options and one row per region at ``level``, in code order."""
    record = await store.get_announcement(announcement_id)
    poll = record.content.poll
    if poll is None:
        return [], []
    options = list(poll.options)
    tallies = await store.poll_tally(announcement_id, len(options))
    rolled = roll_up(tallies, level, len(options))
    answered = answered_by_region(tallies, level)
    names = await store.get_regions(sorted(rolled))
    rows = [
        RegionResult(
            code,
            names[code].name if code in names else code,
            level_of(code) or level,
            groups,
            tuple(counts),
            answered.get(code, 0),
        )
        for code, (groups, counts) in sorted(rolled.items())
    ]
    return options, rows


def to_csv(options: list[str], rows: list[RegionResult]) -> str:
    """The table as CSV; poll options and names cannot become spreadsheet formulas."""
    header = ["region", "name", "level", "groups", *options, "total"]
    return csv_text(
        [
            header,
            *([r.region, r.name, r.level.value, r.groups, *r.counts, r.total] for r in rows),
        ]
    )


__all__ = ["LEVEL_ORDER", "RegionResult", "answered_by_region", "results", "roll_up", "to_csv"]
