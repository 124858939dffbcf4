"""Region codes of the Indonesian hierarchy and their levels.

Codes nest by prefix, so a region's code *is* its materialised path: everything under ``X`` is the
set of codes in the half-open range ``[X, X + "~")`` (``"~"`` sorts after every character a code may
hold), which both stores answer with one indexed range scan.

===========  =========================  ===================================
level        shape                      example
===========  =========================  ===================================
province     2 digits                   ``36``
regency      4 digits                   ``3671``
district     7 digits                   ``3671010``
village      10 digits                  ``3671010001``
rw           village + ``.RW`` + 3      ``3671010001.RW003``
rt           rw + ``.RT`` + 3           ``3671010001.RW003.RT001``
===========  =========================  ===================================
"""

from __future__ import annotations

import re

from content.levels import Level

from .errors import InputError

# ASCII digits only (``\d`` would also accept e.g. Arabic-Indic digits); RW/RT numbers are 001-999,
# as :func:`rw_code` and :func:`rt_code` produce them.
_NUM = r"(?!000)[0-9]{3}"
_SHAPES: tuple[tuple[Level, re.Pattern[str]], ...] = (
    (Level.province, re.compile(r"[0-9]{2}")),
    (Level.regency, re.compile(r"[0-9]{4}")),
    (Level.district, re.compile(r"[0-9]{7}")),
    (Level.village, re.compile(r"[0-9]{10}")),
    (Level.rw, re.compile(rf"[0-9]{{10}}\.RW{_NUM}")),
    (Level.rt, re.compile(rf"[0-9]{{10}}\.RW{_NUM}\.RT{_NUM}")),
)
LEVEL_ORDER: tuple[Level, ...] = tuple(level for level, _ in _SHAPES)
SUBTREE_END = "~"
# every level has its own length, so one pattern per code is enough (the importer checks each of
# the 88,000 national codes, and their parents, with this)
_BY_LENGTH: dict[int, tuple[Level, re.Pattern[str]]] = {
    len(example): (level, shape)
    for (level, shape), example in zip(
        _SHAPES,
        ("36", "3671", "3671010", "3671010001", "3671010001.RW001", "3671010001.RW001.RT001"),
        strict=True,
    )
}


def level_of(code: str) -> Level | None:
    """The level a well-formed code belongs to, or None when the code is malformed."""
    found = _BY_LENGTH.get(len(code))
    if found is not None and found[1].fullmatch(code):
        return found[0]
    return None


def require_level(code: str) -> Level:
    """Like :func:`level_of` but raises :class:`InputError` naming the code."""
    level = level_of(code)
    if level is None:
        raise InputError(
            f"malformed region code {code!r}: expected 2, 4, 7 or 10 digits, "
            "or a village code followed by .RWnnn[.RTnnn]"
        )
    return level


def parent_code(code: str) -> str | None:
    """The parent's code (None for a province). Raises InputError for a malformed code."""
    level = require_level(code)
    if level is Level.province:
        return None
    if level in (Level.rw, Level.rt):
        return code.rsplit(".", 1)[0]
    lengths = {Level.regency: 2, Level.district: 4, Level.village: 7}
    return code[: lengths[level]]


def parent_level(level: Level) -> Level | None:
    """The level directly above ``level``."""
    index = LEVEL_ORDER.index(level)
    return LEVEL_ORDER[index - 1] if index else None


def rw_code(village: str, number: int) -> str:
    """Code of RW ``number`` (1-999) in ``village``."""
    if not 1 <= number <= 999:
        raise InputError(f"RW number must be 1-999, got {number}")
    return f"{village}.RW{number:03d}"


def rt_code(rw: str, number: int) -> str:
    """Code of RT ``number`` (1-999) in RW ``rw``."""
    if not 1 <= number <= 999:
        raise InputError(f"RT number must be 1-999, got {number}")
    return f"{rw}.RT{number:03d}"


def subtree_bounds(code: str) -> tuple[str, str]:
    """Half-open range ``[low, high)`` covering ``code`` and every code under it.

    Raises InputError for a malformed code: a bare prefix such as ``"3"`` or ``""`` is not a
    region, and its range would silently cover several provinces (or everything).
    """
    require_level(code)
    return code, code + SUBTREE_END


def is_within(code: str, scope: str) -> bool:
    """True when ``code`` is ``scope`` or lies under it; False when either is malformed.

    For well-formed codes a prefix is always an ancestor (codes nest by prefix at fixed
    lengths), so the prefix test is exact once both codes are checked.
    """
    return code.startswith(scope) and level_of(scope) is not None and level_of(code) is not None
