"""ScheduleSpec: construction invariants, parse(), describe() and next_fire_time()."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from schedules import ScheduleError, ScheduleKind, ScheduleSpec, next_fire_time

WIB = ZoneInfo("Asia/Jakarta")
# Sunday 4 May 2025, noon in Jakarta.
NOW = datetime(2025, 5, 4, 12, 0, tzinfo=WIB)


def wib(day: int, hour: int, minute: int = 0, month: int = 5) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=WIB)


def test_parse_now_words() -> None:
    assert ScheduleSpec.parse(" now ", "Asia/Jakarta", NOW) == ScheduleSpec.now()
    assert ScheduleSpec.parse("Sekarang", "Asia/Jakarta", NOW).kind is ScheduleKind.now


def test_parse_naive_iso_is_wall_time_in_tz() -> None:
    spec = ScheduleSpec.parse("2025-05-05T07:00", "Asia/Makassar", NOW)
    assert spec.kind is ScheduleKind.once
    assert spec.run_at == datetime(2025, 5, 4, 23, 0, tzinfo=UTC)
    assert spec.timezone == "Asia/Makassar"


def test_parse_iso_with_offset_keeps_instant() -> None:
    spec = ScheduleSpec.parse("2025-05-05T00:00:00Z", "Asia/Jakarta", NOW)
    assert spec.run_at == wib(5, 7)


def test_parse_cron_normalises_whitespace() -> None:
    spec = ScheduleSpec.parse("cron:  0 7  * * 1-5 ", "Asia/Jakarta", NOW)
    assert spec == ScheduleSpec.crontab("0 7 * * 1-5")
    assert spec.cron == "0 7 * * 1-5"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cron:61 * * * *", "invalid cron expression '61 * * * *': minute must be 0-59, got '61'"),
        ("cron:0 24 * * *", "hour must be 0-23, got '24'"),
        ("cron:0 7 0 * *", "day of month must be 1-31, got '0'"),
        ("cron:0 7 * 13 *", "month must be 1-12 or jan-dec, got '13'"),
        ("cron:0 7 * * 8", "day of week must be 0-7 or sun-sat, got '8'"),
        ("cron:0 7 * *", "expected 5 fields"),
        ("cron:*/0 * * * *", "minute step must be a positive number"),
        ("cron:5/10 * * * *", "needs '*' or a range before '/'"),
        ("cron:0 7 * * 5-1", "day of week range '5-1' runs backwards"),
        ("cron:0 7 30 2 *", "day of month 30 never occurs in month 2"),
        ("cron:0 7 ,1 * *", "day of month must be 1-31, got ''"),
        ("tomorrow", "invalid schedule 'tomorrow': expected 'now', an ISO-8601 datetime"),
        ("2025-05-01T07:00", "schedule time 2025-05-01T07:00:00+07:00 is in the past"),
    ],
)
def test_parse_errors_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        ScheduleSpec.parse(text, "Asia/Jakarta", NOW)
    assert message in str(caught.value)


def test_parse_rejects_unknown_zone_and_naive_now() -> None:
    with pytest.raises(ScheduleError, match="unknown time zone 'Mars/Olympus'"):
        ScheduleSpec.parse("now", "Mars/Olympus", NOW)
    with pytest.raises(ScheduleError, match="now must be timezone-aware"):
        ScheduleSpec.parse("now", "Asia/Jakarta", NOW.replace(tzinfo=None))


def test_schedule_error_is_a_value_error() -> None:
    assert issubclass(ScheduleError, ValueError)


def test_construction_invariants() -> None:
    with pytest.raises(ScheduleError, match="run_at must be set exactly"):
        ScheduleSpec(ScheduleKind.once)
    with pytest.raises(ScheduleError, match="cron must be set exactly"):
        ScheduleSpec(ScheduleKind.now, cron="* * * * *")
    with pytest.raises(ScheduleError, match="run_at must be timezone-aware"):
        ScheduleSpec.at(datetime(2025, 5, 5, 7, 0))
    with pytest.raises(ScheduleError, match="unknown schedule kind 'weekly'"):
        ScheduleSpec("weekly")  # type: ignore[arg-type]


def test_kind_from_stored_string_is_coerced() -> None:
    spec = ScheduleSpec("cron", cron="0 7 * * *")  # type: ignore[arg-type]
    assert spec.kind is ScheduleKind.cron
    assert spec == ScheduleSpec.crontab("0 7 * * *")


def test_cron_weekdays_use_crontab_numbering() -> None:
    # APScheduler 3 alone would read 1-5 as Tuesday-Saturday; crontab means Monday-Friday.
    weekdays = ScheduleSpec.crontab("0 7 * * 1-5")
    assert next_fire_time(weekdays, NOW) == wib(5, 7)  # Monday
    assert next_fire_time(weekdays, wib(9, 7)) == wib(12, 7)  # Friday -> next Monday
    assert next_fire_time(ScheduleSpec.crontab("0 7 * * 0"), NOW) == wib(11, 7)  # Sunday
    assert next_fire_time(ScheduleSpec.crontab("0 7 * * 7"), NOW) == wib(11, 7)
    assert next_fire_time(ScheduleSpec.crontab("0 7 * * SAT"), NOW) == wib(10, 7)


def test_cron_is_evaluated_in_its_time_zone() -> None:
    daily = ScheduleSpec.crontab("0 7 * * *", "Asia/Jakarta")
    assert next_fire_time(daily, NOW) == datetime(2025, 5, 5, 0, 0, tzinfo=UTC)
    jayapura = ScheduleSpec.crontab("0 7 * * *", "Asia/Jayapura")
    assert next_fire_time(jayapura, NOW) == datetime(2025, 5, 4, 22, 0, tzinfo=UTC)


def test_cron_day_of_month_or_day_of_week() -> None:
    # Both restricted: cron fires on the 1st *or* on Mondays.
    spec = ScheduleSpec.crontab("0 7 1 * 1")
    assert next_fire_time(spec, NOW) == wib(5, 7)
    assert next_fire_time(spec, wib(26, 7)) == wib(1, 7, month=6)  # a Sunday
    # A day-of-month starting with '*' keeps AND: odd days that are Mondays.
    odd_mondays = ScheduleSpec.crontab("0 7 */2 * 1")
    assert next_fire_time(odd_mondays, NOW) == wib(5, 7)
    assert next_fire_time(odd_mondays, wib(5, 8)) == wib(19, 7)  # 12 May is even


def test_next_fire_time_is_strictly_after() -> None:
    hourly = ScheduleSpec.crontab("0 * * * *")
    assert next_fire_time(hourly, NOW) == wib(4, 13)
    assert next_fire_time(hourly, NOW - timedelta(microseconds=1)) == NOW


def test_next_fire_time_once_and_now() -> None:
    once = ScheduleSpec.at(wib(5, 7))
    assert next_fire_time(once, NOW) == wib(5, 7)
    assert next_fire_time(once, wib(5, 7)) is None
    assert next_fire_time(ScheduleSpec.now(), NOW) is None
    with pytest.raises(ScheduleError, match="after must be timezone-aware"):
        next_fire_time(once, datetime(2025, 5, 4))


def test_cron_on_29_february_is_accepted() -> None:
    # 29 February exists, so it is accepted; it just fires rarely.
    leap = ScheduleSpec.parse("cron:0 7 29 2 *", "Asia/Jakarta", NOW)
    assert next_fire_time(leap, NOW) == datetime(2028, 2, 29, 7, 0, tzinfo=WIB)


@pytest.mark.parametrize(
    ("spec", "indonesian", "english"),
    [
        (ScheduleSpec.now(), "segera", "immediately"),
        (
            ScheduleSpec.at(datetime(2025, 5, 5, 0, 0, tzinfo=UTC)),
            "sekali pada Senin, 5 Mei 2025 pukul 07.00 WIB",
            "once on Monday 5 May 2025 at 07:00 WIB",
        ),
        (
            ScheduleSpec.crontab("0 7 * * *"),
            "setiap hari pukul 07.00 WIB",
            "every day at 07:00 WIB",
        ),
        (
            ScheduleSpec.crontab("30 6 * * mon-fri", "Asia/Makassar"),
            "setiap Senin–Jumat pukul 06.30 WITA",
            "every Monday–Friday at 06:30 WITA",
        ),
        (
            ScheduleSpec.crontab("0 18 * * 0,6"),
            "setiap Sabtu, Minggu pukul 18.00 WIB",
            "every Saturday, Sunday at 18:00 WIB",
        ),
        (
            ScheduleSpec.crontab("*/15 * * * *", "Europe/Amsterdam"),
            "jadwal cron */15 * * * * (Europe/Amsterdam)",
            "cron */15 * * * * (Europe/Amsterdam)",
        ),
    ],
)
def test_describe(spec: ScheduleSpec, indonesian: str, english: str) -> None:
    assert spec.describe() == indonesian
    assert spec.describe("en") == english
