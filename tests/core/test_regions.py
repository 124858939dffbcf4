"""Region codes: levels, parents, RW/RT codes, subtree ranges and scope checks."""

from __future__ import annotations

import pytest

from broadcaster.errors import InputError
from broadcaster.regions import (
    LEVEL_ORDER,
    is_within,
    level_of,
    parent_code,
    parent_level,
    require_level,
    rt_code,
    rw_code,
    subtree_bounds,
)
from content.model import Level

VALID = [
    ("36", Level.province, None),
    ("3671", Level.regency, "36"),
    ("3671010", Level.district, "3671"),
    ("3671010001", Level.village, "3671010"),
    ("3671010001.RW003", Level.rw, "3671010001"),
    ("3671010001.RW003.RT001", Level.rt, "3671010001.RW003"),
    ("9471040010.RW999.RT999", Level.rt, "9471040010.RW999"),
]

MALFORMED = [
    "",
    "3",
    "367",
    "36710",
    "367101",
    "36710100",
    "367101000",
    "36710100011",
    "3671010001.",
    "3671010001.RW",
    "3671010001.RW3",
    "3671010001.RW0003",
    "3671010001.rw003",
    "3671010001.RT001",
    "3671010001.RW003.RW001",
    "3671010001.RW003.RT01",
    "3671010001.RW003.RT001.RT001",
    "3671010001.RW000",  # RW and RT numbers start at 001
    "3671010001.RW001.RT000",
    "36 ",
    " 36",
    "36\n",
    "3a",
    "-36",
    "٣٦",  # Arabic-Indic digits are digits to Python's \d, not to a region code
    "３６",  # full-width digits
    "36~",
]


@pytest.mark.parametrize(("code", "level", "parent"), VALID)
def test_valid_codes(code: str, level: Level, parent: str | None) -> None:
    assert level_of(code) is level
    assert require_level(code) is level
    assert parent_code(code) == parent
    if parent is not None:
        assert level_of(parent) is parent_level(level)
        assert is_within(code, parent)


@pytest.mark.parametrize("code", MALFORMED)
def test_malformed_codes(code: str) -> None:
    assert level_of(code) is None
    with pytest.raises(InputError, match="malformed region code"):
        require_level(code)
    with pytest.raises(InputError):
        parent_code(code)
    with pytest.raises(InputError):
        subtree_bounds(code)
    assert not is_within("3671010001", code)
    assert not is_within(code, "36")


def test_parent_levels_follow_the_hierarchy() -> None:
    assert (
        Level.province,
        Level.regency,
        Level.district,
        Level.village,
        Level.rw,
        Level.rt,
    ) == LEVEL_ORDER
    assert parent_level(Level.province) is None
    assert [parent_level(level) for level in LEVEL_ORDER[1:]] == list(LEVEL_ORDER[:-1])


def test_rw_and_rt_codes() -> None:
    assert rw_code("3671010001", 3) == "3671010001.RW003"
    assert rw_code("3671010001", 999) == "3671010001.RW999"
    assert rt_code("3671010001.RW003", 12) == "3671010001.RW003.RT012"
    assert level_of(rt_code(rw_code("3671010001", 1), 1)) is Level.rt
    for bad in (0, -1, 1000):
        with pytest.raises(InputError, match="RW number must be 1-999"):
            rw_code("3671010001", bad)
        with pytest.raises(InputError, match="RT number must be 1-999"):
            rt_code("3671010001.RW001", bad)


def test_subtree_bounds_cover_exactly_the_subtree() -> None:
    codes = [code for code, _, _ in VALID] + [
        "3",
        "35",
        "37",
        "3602",
        "3671010002",
        "3671010001.RW002",
        "3671010001.RW003.RT002",
        "3671011",
        "36710100010",
    ]
    for scope in ("36", "3671", "3671010", "3671010001", "3671010001.RW003"):
        low, high = subtree_bounds(scope)
        inside = sorted(c for c in codes if low <= c < high)
        assert inside == sorted(c for c in codes if c.startswith(scope)), scope
    low, high = subtree_bounds("3671010001.RW003.RT001")
    assert low == "3671010001.RW003.RT001" and low < high
    assert not (low <= "3671010001.RW003.RT002" < high)


def test_is_within() -> None:
    assert is_within("36", "36")
    assert is_within("3671010001.RW003.RT001", "36")
    assert is_within("3671010001.RW003.RT001", "3671010001.RW003")
    assert not is_within("36", "3671")  # an ancestor is not within its child
    assert not is_within("3602", "3671")
    assert not is_within("3671010002", "3671010001")
    assert not is_within("3171", "36")
