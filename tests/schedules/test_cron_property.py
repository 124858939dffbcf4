"""next_fire_time for crontab specs against a brute-force reference of crontab(5) semantics."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schedules import ScheduleError, ScheduleSpec, next_fire_time

WIB = ZoneInfo("Asia/Jakarta")
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

# None stands for '*'; otherwise a comma list of the values.
Field = frozenset[int] | None


def field(low: int, high: int) -> st.SearchStrategy[Field]:
    return st.none() | st.frozensets(st.integers(low, high), min_size=1, max_size=4)


def render(values: Field) -> str:
    return "*" if values is None else ",".join(str(v) for v in sorted(values))


def reference_next(fields: tuple[Field, ...], after: datetime) -> datetime | None:
    """Scan day by day (Jakarta has no DST, so wall time is enough)."""
    minute, hour, dom, month, dow = fields
    minutes = sorted(minute if minute is not None else range(60))
    hours = sorted(hour if hour is not None else range(24))
    doms = dom if dom is not None else frozenset(range(1, 32))
    months = month if month is not None else frozenset(range(1, 13))
    dows = frozenset(d % 7 for d in dow) if dow is not None else frozenset(range(7))
    local = after.astimezone(WIB)
    start = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    day: date = start.date()
    for _ in range(366 * 5):
        dom_ok, dow_ok = day.day in doms, day.isoweekday() % 7 in dows
        both_restricted = dom is not None and dow is not None
        if day.month in months and ((dom_ok or dow_ok) if both_restricted else (dom_ok and dow_ok)):
            for h in hours:
                for m in minutes:
                    candidate = datetime(day.year, day.month, day.day, h, m, tzinfo=WIB)
                    if candidate >= start:
                        return candidate
        day += timedelta(days=1)
    return None


@settings(max_examples=300, deadline=None)
@given(
    minute=field(0, 59),
    hour=field(0, 23),
    dom=field(1, 31),
    month=field(1, 12),
    dow=field(0, 7),
    after=st.datetimes(datetime(2020, 1, 1), datetime(2030, 12, 31)),
)
def test_matches_crontab_semantics(
    minute: Field, hour: Field, dom: Field, month: Field, dow: Field, after: datetime
) -> None:
    fields = (minute, hour, dom, month, dow)
    expr = " ".join(render(f) for f in fields)
    moment = after.replace(tzinfo=WIB)
    possible = dom is None or any(
        d <= _MONTH_DAYS[m - 1] for d in dom for m in (month or range(1, 13))
    )
    if not possible:
        with pytest.raises(ScheduleError, match="never occurs"):
            ScheduleSpec.crontab(expr)
        return
    assert next_fire_time(ScheduleSpec.crontab(expr), moment) == reference_next(fields, moment)
