"""Bridges stored schedules and the APScheduler-based :class:`ScheduleRunner`.

Schedules live in our store; APScheduler is only the trigger engine. At start (and every sync,
so schedules created by the CLI in another process are picked up) each active schedule is caught
up after downtime — a missed one-off runs if still inside the grace window, otherwise it is marked
missed; missed cron firings coalesce into one — and future firings are registered with the runner.
A firing's dispatch is keyed by (schedule, fire time), so no firing creates two dispatches.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from schedules.catchup import catch_up
from schedules.runner import ScheduleRunner
from schedules.spec import ScheduleKind, ScheduleSpec

from ..announcements import start_dispatch
from ..auth import SYSTEM
from ..errors import BroadcasterError, Conflict, Expired, IntegrityError
from ..store.contract import Store
from ..store.records import AuditRecord, ScheduleRecord, ScheduleStatus

log = logging.getLogger(__name__)


def spec_of(record: ScheduleRecord) -> ScheduleSpec:
    kind = ScheduleKind(record.kind)
    if kind is ScheduleKind.once:
        assert record.run_at is not None
        return ScheduleSpec.at(record.run_at, record.timezone)
    if kind is ScheduleKind.cron:
        assert record.cron is not None
        return ScheduleSpec.crontab(record.cron, record.timezone)
    return ScheduleSpec.now(record.timezone)


class ScheduleBridge:
    def __init__(
        self,
        store: Store,
        timezone: str,
        grace: timedelta,
        on_dispatch: Callable[[], None],
        approvals_required: int = 1,
    ) -> None:
        self.store = store
        self.approvals_required = approvals_required
        self.grace = grace
        self.on_dispatch = on_dispatch
        self.runner = ScheduleRunner(self._fire_job, timezone=timezone, misfire_grace=grace)
        self._registered: set[int] = set()

    async def start(self) -> None:
        await self.runner.start()
        await self.sync()

    async def stop(self) -> None:
        await self.runner.shutdown()

    async def sync(self) -> None:
        """Catch up and register new active schedules; drop ones no longer active."""
        active = await self.store.list_schedules(ScheduleStatus.active)
        active_ids = {s.id for s in active}
        for gone in self._registered - active_ids:
            self.runner.remove(str(gone))
            self._registered.discard(gone)
        now = datetime.now(UTC)
        for record in active:
            if record.id in self._registered:
                continue
            spec = spec_of(record)
            decision = catch_up(spec, record.last_fired_at, record.created_at, now, self.grace)
            if decision.fire_now and decision.fire_time is not None:
                await self.fire(record.id, decision.fire_time)
            elif decision.missed:
                await self._missed(record, decision.reason)
            fresh = await self.store.get_schedule(record.id)
            if fresh.status is ScheduleStatus.active and spec.kind is not ScheduleKind.now:
                if spec.kind is ScheduleKind.once and (fresh.last_fired_at or decision.missed):
                    continue
                self.runner.add(str(record.id), spec)
                self._registered.add(record.id)

    async def _missed(self, record: ScheduleRecord, reason: str) -> None:
        status = ScheduleStatus.missed if record.kind == ScheduleKind.once.value else None
        await self.store.update_schedule(
            record.id,
            AuditRecord(
                actor=SYSTEM,
                action="schedule.missed",
                object_type="schedule",
                object_id=str(record.id),
                detail={"reason": reason},
            ),
            status=status,
            note=f"missed: {reason}",
        )

    async def _fire_job(self, schedule_id: str, fire_time: datetime) -> None:
        await self.fire(int(schedule_id), fire_time)

    async def fire(self, schedule_id: int, fire_time: datetime) -> None:
        """Create the dispatch for one firing; refusals are recorded on the schedule."""
        record = await self.store.get_schedule(schedule_id)
        if record.status is not ScheduleStatus.active:
            return
        one_off = record.kind in (ScheduleKind.now.value, ScheduleKind.once.value)
        try:
            dispatch = await start_dispatch(
                self.store,
                record.announcement_id,
                record,
                fire_time,
                approvals_required=self.approvals_required,
            )
        except (IntegrityError, Conflict) as exc:
            await self.store.update_schedule(
                record.id,
                AuditRecord(
                    actor=SYSTEM,
                    action="schedule.refused",
                    object_type="schedule",
                    object_id=str(record.id),
                    detail={"reason": str(exc)},
                ),
                # an expired announcement will never be sent: end its recurrence too
                status=ScheduleStatus.done if one_off or isinstance(exc, Expired) else None,
                note=f"refused: {exc}",
            )
            log.warning("schedule %s refused: %s", record.id, exc)
            return
        except BroadcasterError:
            log.exception("schedule %s failed to fire", record.id)
            return
        await self.store.update_schedule(
            record.id,
            AuditRecord(
                actor=SYSTEM,
                action="schedule.fired",
                object_type="schedule",
                object_id=str(record.id),
                detail={
                    "fire_time": fire_time.isoformat(),
                    "dispatch": dispatch.id if dispatch else None,
                },
            ),
            status=ScheduleStatus.done if one_off else None,
            last_fired_at=fire_time.timestamp(),
        )
        self.on_dispatch()
