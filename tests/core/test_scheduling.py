"""Schedules in the store driven by APScheduler: on time, after downtime, never twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from broadcaster.store.records import ScheduleStatus
from schedules.spec import ScheduleKind, ScheduleSpec
from tests.core.harness import rig


async def _backdate(r: object, schedule_id: int, created: datetime) -> None:
    from tests.core.harness import Rig

    assert isinstance(r, Rig)
    await r.app.store.db.execute(  # type: ignore[attr-defined]
        "UPDATE schedules SET created_at = ? WHERE id = ?", (created.timestamp(), schedule_id)
    )


async def test_one_off_fires_on_time(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        await r.add_groups(under="3673")
        record = await r.approved(regions=["3673"])
        when = datetime.now(UTC) + timedelta(seconds=1.5)
        schedule = await r.app.workflow.schedule("officer", record.id, ScheduleSpec.at(when))
        await r.engine.bridge.sync()  # type: ignore[union-attr]
        assert await r.app.store.list_dispatches() == []
        for _ in range(100):
            if await r.app.store.list_dispatches():
                break
            await asyncio.sleep(0.05)
        dispatches = await r.app.store.list_dispatches()
        assert len(dispatches) == 1
        assert dispatches[0].created_at >= when - timedelta(milliseconds=50)
        await r.engine.drain(10)
        assert r.adapter().count == 6
        fresh = await r.app.store.get_schedule(schedule.id)
        assert fresh.status is ScheduleStatus.done and fresh.last_fired_at is not None


async def test_missed_one_off_inside_grace_runs_at_start(tmp_path: Path) -> None:
    async with rig(tmp_path, start=False, schedule={"misfire_grace_minutes": 30}) as r:
        await r.add_groups(under="3673")
        record = await r.approved(regions=["3673"])
        when = datetime.now(UTC) - timedelta(minutes=10)  # the service was down at that time
        spec = ScheduleSpec(kind=ScheduleKind.once, run_at=when)
        schedule = await r.app.workflow.schedule("officer", record.id, spec)
        await _backdate(r, schedule.id, when - timedelta(hours=1))
        await r.engine.start()
        await r.engine.drain(10)
        assert r.adapter().count == 6
        assert (await r.app.store.get_schedule(schedule.id)).status is ScheduleStatus.done
        await r.engine.stop()


async def test_missed_one_off_outside_grace_is_marked_missed(tmp_path: Path) -> None:
    async with rig(tmp_path, start=False, schedule={"misfire_grace_minutes": 5}) as r:
        await r.add_groups(under="3673")
        record = await r.approved(regions=["3673"])
        when = datetime.now(UTC) - timedelta(hours=2)
        spec = ScheduleSpec(kind=ScheduleKind.once, run_at=when)
        schedule = await r.app.workflow.schedule("officer", record.id, spec)
        await r.engine.start()
        await asyncio.sleep(0.3)
        fresh = await r.app.store.get_schedule(schedule.id)
        assert fresh.status is ScheduleStatus.missed
        assert fresh.note is not None and "missed" in fresh.note
        assert await r.app.store.list_dispatches() == []
        assert r.adapter().count == 0
        audit = await r.app.store.list_audit(object_type="schedule", object_id=str(schedule.id))
        assert any(e.action == "schedule.missed" for e in audit)
        await r.engine.stop()


async def test_missed_cron_firings_coalesce_into_one(tmp_path: Path) -> None:
    async with rig(tmp_path, start=False, schedule={"misfire_grace_minutes": 30}) as r:
        await r.add_groups(under="3673")
        record = await r.approved(regions=["3673"])
        schedule = await r.app.workflow.schedule(
            "officer", record.id, ScheduleSpec.crontab("* * * * *")
        )
        # down for the last ten minutes: ten firings were missed
        await _backdate(r, schedule.id, datetime.now(UTC) - timedelta(minutes=10, seconds=30))
        await r.engine.start()
        await r.engine.drain(10)
        dispatches = await r.app.store.list_dispatches()
        assert len(dispatches) == 1
        assert r.adapter().count == 6
        fresh = await r.app.store.get_schedule(schedule.id)
        assert fresh.status is ScheduleStatus.active  # the recurrence continues
        assert str(schedule.id) in r.engine.bridge.runner.jobs()  # type: ignore[union-attr]
        assert (await r.app.store.get_announcement(record.id)).status.value == "scheduled"
        await r.engine.stop()


async def test_same_firing_twice_creates_one_dispatch(tmp_path: Path) -> None:
    async with rig(tmp_path, start=False) as r:
        await r.add_groups(under="3673")
        record = await r.approved(regions=["3673"])
        schedule = await r.app.workflow.schedule(
            "officer", record.id, ScheduleSpec.crontab("0 7 * * *")
        )
        when = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)
        assert r.engine.bridge is not None
        await r.engine.bridge.fire(schedule.id, when)
        await r.engine.bridge.fire(schedule.id, when)
        assert len(await r.app.store.list_dispatches()) == 1


async def test_cancelled_announcement_stops_its_schedule(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        await r.add_groups(under="3673")
        record = await r.approved(regions=["3673"])
        when = datetime.now(UTC) + timedelta(seconds=1)
        schedule = await r.app.workflow.schedule("officer", record.id, ScheduleSpec.at(when))
        await r.engine.bridge.sync()  # type: ignore[union-attr]
        await r.app.workflow.cancel("officer", record.id, "salah wilayah")
        await r.engine.bridge.sync()  # type: ignore[union-attr]
        await asyncio.sleep(1.5)
        assert await r.app.store.list_dispatches() == []
        fresh = await r.app.store.get_schedule(schedule.id)
        assert fresh.status is ScheduleStatus.cancelled
