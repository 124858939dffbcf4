"""ScheduleRunner on a real event loop (short real delays, no mocked clock)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from schedules import ScheduleRunner, ScheduleSpec, next_fire_time

WIB = ZoneInfo("Asia/Jakarta")


class Recorder:
    """A fire callback that records calls and lets tests wait for them."""

    def __init__(self, fail_for: str | None = None, delay: float = 0.0) -> None:
        self.calls: list[tuple[str, datetime]] = []
        self.finished: list[str] = []
        self.fail_for = fail_for
        self.delay = delay
        self._changed = asyncio.Condition()

    async def __call__(self, schedule_id: str, fire_time: datetime) -> None:
        async with self._changed:
            self.calls.append((schedule_id, fire_time))
            self._changed.notify_all()
        await asyncio.sleep(self.delay)
        if schedule_id == self.fail_for:
            raise RuntimeError("send failed")
        self.finished.append(schedule_id)

    async def wait_for(self, count: int, within: float = 2.0) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(self.calls) >= count), within)


def soon(seconds: float) -> datetime:
    return datetime.now(WIB) + timedelta(seconds=seconds)


async def test_once_fires_exactly_once_with_its_scheduled_time() -> None:
    record = Recorder()
    async with ScheduleRunner(record) as runner:
        run_at = soon(0.3)
        assert runner.add("a1", ScheduleSpec.at(run_at)) == run_at
        assert runner.jobs() == ["a1"]
        await record.wait_for(1)
        fired_at = datetime.now(WIB)
        await asyncio.sleep(0.3)
        assert record.calls == [("a1", run_at)]
        assert fired_at >= run_at
        assert runner.jobs() == []


async def test_now_fires_immediately() -> None:
    record = Recorder()
    async with ScheduleRunner(record) as runner:
        scheduled = runner.add("urgent", ScheduleSpec.now())
        assert scheduled is not None
        await record.wait_for(1, within=0.5)
        assert record.calls == [("urgent", scheduled)]


async def test_cron_next_fire_time_is_reported() -> None:
    spec = ScheduleSpec.crontab("0 7 * * 1-5")
    async with ScheduleRunner(Recorder()) as runner:
        before = datetime.now(WIB)
        nxt = runner.add("weekday-briefing", spec)
        assert nxt is not None
        assert nxt == next_fire_time(spec, before)
        local = nxt.astimezone(WIB)
        assert (local.hour, local.minute, local.isoweekday() <= 5) == (7, 0, True)
        assert runner.next_fire_times() == {"weekday-briefing": nxt}


async def test_remove_prevents_firing() -> None:
    record = Recorder()
    async with ScheduleRunner(record) as runner:
        runner.add("cancelled", ScheduleSpec.at(soon(0.2)))
        assert runner.remove("cancelled")
        assert not runner.remove("cancelled")
        await asyncio.sleep(0.4)
        assert record.calls == []
        assert runner.jobs() == []


async def test_add_replaces_a_job_with_the_same_id() -> None:
    record = Recorder()
    async with ScheduleRunner(record) as runner:
        runner.add("a1", ScheduleSpec.at(soon(0.15)))
        second = soon(0.3)
        runner.add("a1", ScheduleSpec.at(second))
        assert runner.jobs() == ["a1"]
        await record.wait_for(1)
        await asyncio.sleep(0.2)
        assert record.calls == [("a1", second)]


async def test_failing_fire_is_logged_and_runner_keeps_working(
    caplog: pytest.LogCaptureFixture,
) -> None:
    record = Recorder(fail_for="bad")
    with caplog.at_level(logging.ERROR, logger="schedules.runner"):
        async with ScheduleRunner(record) as runner:
            runner.add("bad", ScheduleSpec.now())
            await record.wait_for(1)
            good_at = soon(0.1)
            runner.add("good", ScheduleSpec.at(good_at))
            await record.wait_for(2)
    assert record.calls[1] == ("good", good_at)
    assert record.finished == ["good"]
    [failure] = [r for r in caplog.records if r.name == "schedules.runner"]
    assert "schedule bad: firing for" in failure.getMessage()
    assert failure.exc_info is not None


async def test_past_run_time_within_grace_fires_now_beyond_grace_is_dropped() -> None:
    record = Recorder()
    async with ScheduleRunner(record, misfire_grace=timedelta(minutes=10)) as runner:
        recent = soon(-60)
        assert runner.add("recent", ScheduleSpec.at(recent)) == recent
        assert runner.add("stale", ScheduleSpec.at(soon(-11 * 60))) is None
        await record.wait_for(1)
        await asyncio.sleep(0.1)
        assert record.calls == [("recent", recent)]


async def test_schedules_added_before_start_fire_after_start() -> None:
    record = Recorder()
    runner = ScheduleRunner(record)
    run_at = soon(0.2)
    assert runner.add("early", ScheduleSpec.at(run_at)) == run_at
    assert runner.next_fire_times() == {"early": run_at}
    await runner.start()
    try:
        await record.wait_for(1)
        assert record.calls == [("early", run_at)]
    finally:
        await runner.shutdown()


async def test_shutdown_waits_for_running_fire() -> None:
    record = Recorder(delay=0.2)
    runner = ScheduleRunner(record)
    await runner.start()
    runner.add("slow", ScheduleSpec.now())
    await record.wait_for(1)
    await runner.shutdown()
    assert record.finished == ["slow"]
    await runner.shutdown()  # idempotent
    # Restartable, with an empty job list.
    await runner.start()
    assert runner.jobs() == []
    await runner.shutdown()


async def test_start_twice_and_shutdown_from_fire_are_refused() -> None:
    errors: list[BaseException] = []

    async def stop_from_inside(schedule_id: str, fire_time: datetime) -> None:
        try:
            await runner.shutdown()
        except RuntimeError as exc:
            errors.append(exc)

    runner = ScheduleRunner(stop_from_inside)
    async with runner:
        with pytest.raises(RuntimeError, match="already running"):
            await runner.start()
        runner.add("x", ScheduleSpec.now())
        await asyncio.sleep(0.2)
    assert [str(e) for e in errors] == [
        "ScheduleRunner.shutdown() cannot be awaited from inside fire()"
    ]


def test_misfire_grace_must_be_at_least_a_second() -> None:
    with pytest.raises(ValueError, match="at least one second"):
        ScheduleRunner(Recorder(), misfire_grace=timedelta(milliseconds=500))
