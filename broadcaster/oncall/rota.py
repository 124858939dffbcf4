"""The weekly rota as data: which days and which local time window an entry covers.

A window ``from``–``to`` covers ``from <= time < to`` on each listed day; a window whose end is
at or before its start runs past midnight (``19:00``–``07:00`` on ``mon`` covers Monday 19:00
to Tuesday 07:00). ``00:00``–``24:00`` is the whole day.
"""

from __future__ import annotations

import re
from datetime import datetime

from ..errors import InputError
from ..store.contract.oncall import OncallEntry

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_days(text: str) -> tuple[str, ...]:
    """``mon-fri``, ``sat,sun``, ``mon-wed,fri``, ``daily`` → the days in week order."""
    spec = text.strip().lower()
    if spec in ("daily", "all", "*"):
        return DAYS
    chosen: set[int] = set()
    for part in spec.split(","):
        first, _, last = part.strip().partition("-")
        try:
            start = DAYS.index(first.strip()[:3])
            end = DAYS.index(last.strip()[:3]) if last else start
        except ValueError:
            raise InputError(
                f"days {text!r}: use mon..sun, ranges (mon-fri) and lists (sat,sun)"
            ) from None
        if end < start:  # fri-mon wraps over the weekend
            chosen.update(range(start, 7), range(0, end + 1))
        else:
            chosen.update(range(start, end + 1))
    return tuple(DAYS[i] for i in sorted(chosen))


def parse_clock(text: str, *, end: bool = False) -> int:
    """``HH:MM`` → minutes after midnight (``24:00`` only as an end)."""
    m = _CLOCK.match(text.strip())
    if not m:
        raise InputError(f"time {text!r}: use HH:MM, e.g. 07:00")
    hours, minutes = int(m.group(1)), int(m.group(2))
    value = hours * 60 + minutes
    if minutes > 59 or value > 24 * 60 or (value == 24 * 60 and not end):
        raise InputError(f"time {text!r} is not a time of day")
    return value


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def covers(entry: OncallEntry, local: datetime) -> bool:
    """True when the entry's window holds at ``local`` (a time in the rota's timezone)."""
    minute = local.hour * 60 + local.minute
    today = DAYS[local.weekday()]
    yesterday = DAYS[(local.weekday() - 1) % 7]
    start, end = entry.start_minute, entry.end_minute
    if start < end:
        return today in entry.days and start <= minute < end
    # past midnight: the evening part belongs to today, the morning part to yesterday's entry
    return (today in entry.days and minute >= start) or (yesterday in entry.days and minute < end)


def days_text(days: tuple[str, ...]) -> str:
    """``daily``, ``mon-fri`` (a run of three or more days) or ``sat,sun``, as typed."""
    if tuple(days) == DAYS:
        return "daily"
    index = [DAYS.index(d) for d in days]
    if len(index) >= 3 and index == list(range(index[0], index[-1] + 1)):
        return f"{days[0]}-{days[-1]}"
    return ",".join(days)
