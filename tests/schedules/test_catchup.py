"""catch_up(): what a schedule owes after downtime."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from schedules import CatchUp, ScheduleError, ScheduleSpec, catch_up

WIB = ZoneInfo("Asia/Jakarta")
GRACE = timedelta(minutes=10)
CREATED = datetime(2025, 5, 1, 6, 0, tzinfo=WIB)


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 5, day, hour, minute, tzinfo=WIB)


def test_once_within_grace_fires_for_its_run_at() -> None:
    result = catch_up(ScheduleSpec.at(wib(4, 7)), None, CREATED, wib(4, 7, 10), GRACE)
    assert (result.fire_now, result.missed, result.fire_time) == (True, False, wib(4, 7))


def test_once_beyond_grace_is_missed() -> None:
    result = catch_up(ScheduleSpec.at(wib(4, 7)), None, CREATED, wib(4, 7, 11), GRACE)
    assert (result.fire_now, result.missed, result.fire_time) == (False, True, None)
    assert "missed by 0:11:00" in result.reason


def test_once_not_due_or_already_fired_does_nothing() -> None:
    spec = ScheduleSpec.at(wib(4, 7))
    assert catch_up(spec, None, CREATED, wib(4, 6), GRACE) == CatchUp(
        False, False, None, "not due until 2025-05-04T07:00:00+07:00"
    )
    fired = catch_up(spec, wib(4, 7), CREATED, wib(4, 7, 5), GRACE)
    assert (fired.fire_now, fired.missed) == (False, False)


def test_recurring_missed_times_coalesce_into_one_firing_for_the_latest() -> None:
    hourly = ScheduleSpec.crontab("0 * * * *")
    result = catch_up(hourly, wib(4, 7), CREATED, wib(4, 10, 5), GRACE)
    assert (result.fire_now, result.missed, result.fire_time) == (True, False, wib(4, 10))
    assert "from 2025-05-04T08:00:00+07:00" in result.reason


def test_recurring_latest_beyond_grace_is_missed_but_kept() -> None:
    hourly = ScheduleSpec.crontab("0 * * * *")
    result = catch_up(hourly, wib(4, 7), CREATED, wib(4, 10, 30), GRACE)
    assert (result.fire_now, result.missed, result.fire_time) == (False, True, None)


def test_recurring_grace_bound_is_inclusive() -> None:
    hourly = ScheduleSpec.crontab("0 * * * *")
    assert catch_up(hourly, wib(4, 9), CREATED, wib(4, 10, 10), GRACE).fire_time == wib(4, 10)


def test_recurring_nothing_missed() -> None:
    hourly = ScheduleSpec.crontab("0 * * * *")
    result = catch_up(hourly, wib(4, 10), CREATED, wib(4, 10, 59), GRACE)
    assert (result.fire_now, result.missed, result.fire_time) == (False, False, None)


def test_recurring_never_fired_counts_from_created_at() -> None:
    daily = ScheduleSpec.crontab("0 7 * * *")
    assert catch_up(daily, None, wib(4, 6), wib(4, 7, 3), GRACE).fire_time == wib(4, 7)
    # Created after today's 07:00: nothing owed.
    assert not catch_up(daily, None, wib(4, 7, 1), wib(4, 7, 3), GRACE).fire_now


def test_recurring_long_outage_is_cheap() -> None:
    every_minute = ScheduleSpec.crontab("* * * * *")
    started = time.perf_counter()
    result = catch_up(every_minute, wib(1, 0), CREATED, wib(31, 12) + timedelta(seconds=30), GRACE)
    assert result.fire_time == wib(31, 12)
    assert time.perf_counter() - started < 0.5


def test_now_fires_once() -> None:
    spec = ScheduleSpec.now()
    assert catch_up(spec, None, CREATED, wib(4, 7), GRACE).fire_time == CREATED
    assert not catch_up(spec, CREATED, CREATED, wib(4, 7), GRACE).fire_now


def test_rejects_naive_times_and_negative_grace() -> None:
    spec = ScheduleSpec.now()
    with pytest.raises(ScheduleError, match="created_at must be timezone-aware"):
        catch_up(spec, None, datetime(2025, 5, 1), wib(4, 7), GRACE)
    with pytest.raises(ScheduleError, match="last_fired_at must be timezone-aware"):
        catch_up(spec, datetime(2025, 5, 1), CREATED, wib(4, 7), GRACE)
    with pytest.raises(ScheduleError, match="grace must not be negative"):
        catch_up(spec, None, CREATED, wib(4, 7), -GRACE)
