"""The reach forecast's model (issue 15) on hand-checked cases: the calendar of quiet hours and
daily caps, the interval a limit sets, work ahead, holds, and the warnings people act on."""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta

import pytest

from broadcaster.adapter import Limits, Pacing
from broadcaster.forecast.calendar import Calendar, grant_time
from broadcaster.forecast.model import AccountInput, build_forecast, interval_of, part_spacing
from broadcaster.forecast.text import duration, note_text, number
from broadcaster.store.contract.forecast import AccountCounts
from schedules.quiet import QuietHours

# 10:00 WIB (Asia/Jakarta is UTC+7, no DST)
NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
HOUR = 3600.0


def counts(n: int, account: str = "acc", **more: object) -> AccountCounts:
    return AccountCounts(account=account, total=n, remaining=n, ahead=0, **more)  # type: ignore[arg-type]


def test_a_constant_interval_grants_the_nth_message_n_minus_one_intervals_later() -> None:
    cal = Calendar(now=NOW, interval=0.5)
    assert grant_time(cal, 1) == 0.0
    assert grant_time(cal, 11) == 5.0
    assert grant_time(Calendar(now=NOW, interval=0.5, start=30.0), 3) == 31.0


def test_quiet_hours_push_the_rest_to_their_end() -> None:
    # 10:00 local; quiet from 10:00:10 for an hour: 11 messages fit before it (0..10 s)
    quiet = QuietHours(time(10, 0, 10), time(11, 0, 10), "Asia/Jakarta")
    cal = Calendar(now=NOW, interval=1.0, quiet=(quiet,))
    assert grant_time(cal, 10) == 9.0
    assert grant_time(cal, 11) == HOUR + 10.0  # the 11th would start at 10 s: quiet by then
    assert grant_time(cal, 13) == HOUR + 12.0


def test_a_daily_cap_waits_for_local_midnight() -> None:
    cal = Calendar(now=NOW, interval=1.0, daily_cap=100, sent_today=40)
    assert grant_time(cal, 60) == 59.0  # the last one today
    to_midnight = 14 * HOUR  # 10:00 → 24:00 WIB
    assert grant_time(cal, 61) == to_midnight
    assert grant_time(cal, 161) == to_midnight + 86400
    assert math.isinf(grant_time(Calendar(now=NOW, interval=1.0, daily_cap=0), 1))


def test_the_interval_follows_the_binding_limit() -> None:
    fast = AccountInput(counts=counts(1), channel="x", limits=Limits(global_per_second=20))
    assert interval_of(fast) == (0.05, "rate")
    # a WAHA number: one message per 20 s window, which its 10 s jitter (mean 5) stretches
    waha = AccountInput(
        counts=counts(1),
        channel="waha",
        limits=Limits(global_per_second=1 / 20),
        pacing=Pacing(jitter=10),
    )
    assert interval_of(waha) == (25.0, "jitter")
    assert interval_of(AccountInput(counts=counts(1), channel="x")) == (0.0, "none")


def test_work_ahead_and_holds_delay_an_account() -> None:
    base = AccountInput(counts=counts(100), channel="x", limits=Limits(global_per_second=10))
    alone = build_forecast(
        announcement_id=1,
        dispatch_id=None,
        priority="normal",
        now=NOW,
        accounts=[base],
        service_quiet=None,
    )
    assert alone.eta[100] == pytest.approx(9.9)
    ahead = AccountCounts(account="acc", total=100, remaining=100, ahead=50)
    later = build_forecast(
        announcement_id=1,
        dispatch_id=None,
        priority="normal",
        now=NOW,
        accounts=[AccountInput(counts=ahead, channel="x", limits=Limits(global_per_second=10))],
        service_quiet=None,
    )
    assert later.eta[100] == pytest.approx(14.9)
    held = counts(100, held_reason="rate_limited", held_until=NOW.timestamp() + 60)
    paused = build_forecast(
        announcement_id=1,
        dispatch_id=None,
        priority="normal",
        now=NOW,
        accounts=[AccountInput(counts=held, channel="x", limits=Limits(global_per_second=10))],
        service_quiet=None,
    )
    assert paused.eta[100] == pytest.approx(69.9)
    assert [n.key for n in paused.notes] == ["forecast.held_until"]
    blocked = counts(100, held_reason="account_blocked", held_endless=True)
    stuck = build_forecast(
        announcement_id=1,
        dispatch_id=None,
        priority="normal",
        now=NOW,
        accounts=[AccountInput(counts=blocked, channel="x")],
        service_quiet=None,
    )
    assert math.isinf(stuck.eta[50]) and stuck.notes[0].key == "forecast.held_open"


def test_a_running_dispatch_counts_what_is_already_reached() -> None:
    half_done = AccountCounts(account="acc", total=100, remaining=40, ahead=0)
    f = build_forecast(
        announcement_id=1,
        dispatch_id=7,
        priority="normal",
        now=NOW,
        accounts=[AccountInput(counts=half_done, channel="x", limits=Limits(global_per_second=10))],
        service_quiet=None,
    )
    assert f.eta[50] == pytest.approx(0.0)  # 60 of 100 reached already
    assert f.eta[95] == pytest.approx(3.4)  # 35 more: the 35th remaining message
    assert f.eta[100] == pytest.approx(3.9)


def test_the_daily_cap_warning_names_groups_cap_and_days() -> None:
    waha = AccountInput(
        counts=counts(1200, account="wa_groups_banten"),
        channel="waha",
        limits=Limits(global_per_second=1 / 20, per_address_interval=300),
        pacing=Pacing(jitter=10, daily_cap=200, quiet_hours=None),
    )
    f = build_forecast(
        announcement_id=1,
        dispatch_id=None,
        priority="emergency",
        now=NOW,
        accounts=[waha],
        service_quiet=None,
    )
    cap = next(n for n in f.notes if n.key == "forecast.daily_cap")
    assert note_text(cap, "id") == (
        "wa_groups_banten: 1.200 grup dengan 200 per hari: 6 hari — tambah nomor atau pakai "
        "Cloud API ke ketua RT"
    )
    assert note_text(cap, "en").startswith("wa_groups_banten: 1,200 groups at 200 a day: 6 days")
    # five midnights after today's 200: the last 200 go out from the sixth day's 00:00
    start_day6 = 14 * HOUR + 4 * 86400
    assert start_day6 < f.eta[100] < start_day6 + 200 * 25 + 5
    binding = {lim.kind for a in f.accounts for lim in a.limits if lim.binding}
    assert binding == {"daily_cap", "jitter"}


def test_service_quiet_hours_hold_all_but_emergencies() -> None:
    night = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # 22:00 WIB
    quiet = QuietHours(time(21, 0), time(5, 30), "Asia/Jakarta")
    acc = AccountInput(counts=counts(10), channel="x", limits=Limits(global_per_second=10))
    held = build_forecast(
        announcement_id=1,
        dispatch_id=None,
        priority="normal",
        now=night,
        accounts=[acc],
        service_quiet=quiet,
    )
    assert held.eta[100] == pytest.approx(7.5 * HOUR + 0.9)
    assert held.notes[0].key == "forecast.service_quiet"
    assert note_text(held.notes[0], "id").startswith("Jam tenang layanan (21.00–05.30)")
    free = build_forecast(
        announcement_id=1,
        dispatch_id=None,
        priority="emergency",
        now=night,
        accounts=[acc],
        service_quiet=None,
    )
    assert free.eta[100] == pytest.approx(0.9) and free.notes == []


def test_two_accounts_reach_the_overall_share_side_by_side() -> None:
    fast = AccountInput(
        counts=counts(100, account="a"), channel="x", limits=Limits(global_per_second=10)
    )
    slow = AccountInput(
        counts=counts(100, account="b"), channel="x", limits=Limits(global_per_second=1)
    )
    f = build_forecast(
        announcement_id=1,
        dispatch_id=None,
        priority="normal",
        now=NOW,
        accounts=[fast, slow],
        service_quiet=None,
    )
    # 100 of 200 groups: a reaches a group every 0.1 s, b every second, both from 0 s; just
    # before 9 s they have 90 + 9, at 9 s 91 + 10
    assert f.eta[50] == pytest.approx(9.0)
    assert f.eta[100] == pytest.approx(99.0)
    unconfigured = AccountInput(counts=counts(5, account="gone"), channel=None)
    g = build_forecast(
        announcement_id=1,
        dispatch_id=None,
        priority="normal",
        now=NOW,
        accounts=[fast, unconfigured],
        service_quiet=None,
    )
    assert math.isinf(g.eta[100]) and g.eta[95] == pytest.approx(9.9)
    assert [n.key for n in g.notes] == ["forecast.unconfigured"]


def test_numbers_and_durations_read_per_language() -> None:
    assert (number(1200, "id"), number(1200, "en")) == ("1.200", "1,200")
    assert duration(6 * 86400, "id") == "6 hari"
    assert duration(3 * HOUR + 20 * 60, "en") == "3 h 20 min"
    assert duration(125, "id") == "2 menit 5 detik"
    assert duration(math.inf, "en") == "not within a year"
    assert duration(timedelta(seconds=12).total_seconds(), "id") == "12 detik"


def test_a_number_held_until_midnight_by_its_cap_starts_the_new_day_with_the_whole_cap() -> None:
    # today's 200 are spent and the sender holds the number until midnight (14 h from 10:00)
    to_midnight = 14 * HOUR
    spent = counts(
        100,
        account="gw",
        sent_today=200,
        held_reason="daily_cap",
        held_until=NOW.timestamp() + to_midnight,
    )
    waha = AccountInput(
        counts=spent,
        channel="waha",
        limits=Limits(global_per_second=1 / 20),
        pacing=Pacing(daily_cap=200),
    )
    f = build_forecast(
        announcement_id=1,
        dispatch_id=None,
        priority="emergency",
        now=NOW,
        accounts=[waha],
        service_quiet=None,
    )
    # the 100 go out from midnight on, 20 s apart: not a day later
    assert f.eta[100] == pytest.approx(to_midnight + 99 * 20)


def test_a_later_schedule_delays_every_account_from_now() -> None:
    acc = AccountInput(counts=counts(10), channel="x", limits=Limits(global_per_second=10))
    f = build_forecast(
        announcement_id=1,
        dispatch_id=None,
        priority="normal",
        now=NOW,
        accounts=[acc],
        service_quiet=None,
        starts_in=HOUR,
    )
    assert f.eta[100] == pytest.approx(HOUR + 0.9) and f.starts_in == HOUR


def test_a_per_minute_cap_per_group_binds_only_past_its_count() -> None:
    telegram = Limits(global_per_second=30, per_address_per_minute=20)
    assert part_spacing(telegram, 0.0, 2) == 0.0  # two parts fit one minute's twenty
    # 21 parts: twenty go at once, the 21st waits a minute: 60 s over 20 gaps
    assert part_spacing(telegram, 0.0, 21) == pytest.approx(3.0)
    assert part_spacing(Limits(per_address_interval=1), 0.5, 2) == 1.5
