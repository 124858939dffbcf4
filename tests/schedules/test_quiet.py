"""QuietHours: wrap-around windows, ends_at(), parse(), and properties over random instants."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schedules import QuietHours, ScheduleError

WIB = ZoneInfo("Asia/Jakarta")
DEFAULT = QuietHours()


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 5, day, hour, minute, tzinfo=WIB)


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (wib(4, 20, 59), False),
        (wib(4, 21), True),
        (wib(4, 23, 59), True),
        (wib(5, 0), True),
        (wib(5, 5, 29), True),
        (wib(5, 5, 30), False),
        (wib(5, 12), False),
    ],
)
def test_default_window_wraps_past_midnight(moment: datetime, quiet: bool) -> None:
    assert DEFAULT.is_quiet(moment) is quiet


def test_instants_in_other_zones_use_the_window_zone() -> None:
    assert DEFAULT.is_quiet(datetime(2025, 5, 4, 15, 0, tzinfo=UTC))  # 22:00 WIB
    assert not DEFAULT.is_quiet(datetime(2025, 5, 4, 5, 0, tzinfo=UTC))  # 12:00 WIB


def test_ends_at() -> None:
    assert DEFAULT.ends_at(wib(4, 22)) == wib(5, 5, 30)
    assert DEFAULT.ends_at(wib(5, 3)) == wib(5, 5, 30)
    noon = wib(5, 12)
    assert DEFAULT.ends_at(noon) is noon


def test_window_within_one_day() -> None:
    lunch = QuietHours(time(12), time(13))
    assert lunch.is_quiet(wib(4, 12, 30))
    assert not lunch.is_quiet(wib(4, 13))
    assert lunch.ends_at(wib(4, 12, 30)) == wib(4, 13)


def test_equal_start_and_end_disables() -> None:
    off = QuietHours(time(0), time(0))
    assert not off.enabled
    assert not off.is_quiet(wib(4, 0))


def test_parse() -> None:
    assert QuietHours.parse("21:00-05:30") == DEFAULT
    assert QuietHours.parse(" 22.15 – 04.45 ", "Asia/Makassar") == QuietHours(
        time(22, 15), time(4, 45), "Asia/Makassar"
    )
    assert not QuietHours.parse("off").enabled


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("21:00", "invalid quiet hours '21:00': expected HH:MM-HH:MM, e.g. 21:00-05:30"),
        ("malam", "expected HH:MM-HH:MM"),
        ("25:00-05:00", "25:00 is not a time of day (hours 00-23, minutes 00-59)"),
        ("21:00-05:60", "05:60 is not a time of day"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        QuietHours.parse(text)
    assert message in str(caught.value)


def test_rejects_bad_zone_and_naive_instant() -> None:
    with pytest.raises(ScheduleError, match="unknown time zone"):
        QuietHours(timezone="Asia/Bandung")
    with pytest.raises(ScheduleError, match="now must be timezone-aware"):
        DEFAULT.is_quiet(datetime(2025, 5, 4, 22))


times = st.times().map(lambda t: t.replace(microsecond=0))
instants = st.datetimes(datetime(2000, 1, 1), datetime(2040, 1, 1), timezones=st.just(UTC))


@settings(max_examples=500, deadline=None)
@given(start=times, end=times, now=instants)
def test_ends_at_properties_in_jakarta(start: time, end: time, now: datetime) -> None:
    quiet = QuietHours(start, end)
    ends = quiet.ends_at(now)
    assert (not quiet.is_quiet(now)) == (ends == now)
    assert now <= ends <= now + timedelta(hours=24)
    assert not quiet.is_quiet(ends)
    if ends != now:
        # Without DST the period ends exactly at ``end`` wall time, and just before it is quiet.
        assert ends.astimezone(WIB).time() == end
        assert quiet.is_quiet(ends - timedelta(microseconds=1))


@settings(max_examples=300, deadline=None)
@given(
    start=times,
    end=times,
    now=instants,
    zone=st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]),
)
def test_ends_at_guarantees_hold_with_dst(start: time, end: time, now: datetime, zone: str) -> None:
    quiet = QuietHours(start, end, zone)
    ends = quiet.ends_at(now)
    assert (not quiet.is_quiet(now)) == (ends == now)
    assert ends >= now
    assert not quiet.is_quiet(ends)
