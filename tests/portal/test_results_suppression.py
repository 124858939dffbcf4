"""Public poll results: no published number, alone or subtracted from another, counts fewer
than the minimum of answers (broadcaster/portal_results.py)."""

from __future__ import annotations

import itertools
import random

from broadcaster.portal_results import Table, public_table, table
from broadcaster.store.records import GroupTally

MIN = 5
_ids = itertools.count(1)


def tally(region: str, *counts: int) -> GroupTally:
    return GroupTally(group_id=next(_ids), region=region, channel="telegram", counts=counts)


def shown(t: Table | None) -> dict[str | None, tuple[int, ...]]:
    assert t is not None
    out: dict[str | None, tuple[int, ...]] = {c.code: c.counts for c in t.rows}
    if t.other is not None:
        out["other"] = t.other.counts
    return out


def test_small_region_is_merged_never_shown_or_rounded() -> None:
    tallies = [
        tally("3671010001.RW001.RT001", 4, 3),  # 7
        tally("3673010001.RW001.RT001", 2, 4),  # 6
        tally("3602010001.RW001.RT001", 1, 1),  # 2: too small
    ]
    t = table(tallies, "36", 2, False, MIN)
    # 3602 alone (2) cannot be shown; merged with it the "other" row would still be 2 and the
    # province total minus the two shown rows would reveal it: the smallest shown joins it
    assert shown(t) == {"3671": (4, 3), "other": (3, 5)}
    assert t is not None and t.total.counts == (7, 8)


def test_table_below_minimum_is_not_shown_at_all() -> None:
    assert table([tally("3671010001", 1, 2)], "36", 2, False, MIN) is None
    assert public_table([tally("3671010001", 1, 2)], None, 2, False, MIN) is None


def test_drill_down_only_into_a_region_shown_on_its_own() -> None:
    tallies = [
        tally("3671010001", 5, 5),
        tally("3673010001", 2, 1),  # 3673 is merged at the province level...
        tally("3602010001", 3, 3),
    ]
    top = public_table(tallies, "36", 2, False, MIN)
    assert top is not None and "3673" not in {c.code for c in top.rows}
    # ...so its own table (whose total is 3673's count) is refused
    assert public_table(tallies, "3673", 2, False, MIN) is None
    assert public_table(tallies, "3671", 2, False, MIN) is not None


def test_multiple_answer_polls_count_the_fewest_people() -> None:
    # 3 people who each ticked both options: 6 ticks, but only 3 people
    t = table([tally("3671010001", 3, 3), tally("3673010001", 9, 1)], "36", 2, True, MIN)
    assert t is not None and {c.code for c in t.rows} == set()
    assert t.other is not None and t.other.counts == (12, 4)


def test_response_rate_counts_groups() -> None:
    tallies = [tally("3671010001", 3, 3), tally("3671010002", 0, 0), tally("3671010002", 5, 0)]
    t = table(tallies, "36", 2, False, MIN)
    assert t is not None
    [row] = t.rows
    assert (row.answered, row.reached) == (2, 3)


def test_no_published_number_reveals_a_small_group_by_subtraction() -> None:
    """Random trees: every shown row, every merged row, and every difference between a table's
    total and any subset of its shown rows is 0 or at least MIN people."""
    rng = random.Random(16)
    villages = ["3671010001", "3671010002", "3673010001", "3602010001", "3602010002"]
    for _ in range(300):
        tallies = [
            tally(f"{rng.choice(villages)}.RW00{rng.randint(1, 3)}", rng.randint(0, 6))
            for _ in range(rng.randint(1, 12))
        ]
        for region in (None, "36", "3671", "3671010", "3602", "3602010", "3673"):
            t = public_table(tallies, region, 1, False, MIN)
            if t is None:
                continue
            assert t.total.people >= MIN
            assert all(c.people >= MIN for c in t.rows)
            assert t.other is None or t.other.people >= MIN
            rows = [c.people for c in t.rows]
            for size in range(len(rows) + 1):
                for subset in itertools.combinations(rows, size):
                    rest = t.total.people - sum(subset)
                    assert rest == 0 or rest >= MIN
