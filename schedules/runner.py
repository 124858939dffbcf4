"""Fire schedules on the running event loop, with APScheduler 3 as the trigger engine.

The core's store is the source of truth: jobs live in APScheduler's in-memory job store
only, and the core re-adds its active schedules after a restart (using ``catch_up`` for
what passed meanwhile). APScheduler is untyped; it stays inside ``ScheduleRunner``.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self

from apscheduler.events import EVENT_JOB_SUBMITTED, EVENT_SCHEDULER_SHUTDOWN
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from schedules.spec import DEFAULT_TIMEZONE, ScheduleSpec, build_trigger, load_zone

FireCallback = Callable[[str, datetime], Awaitable[None]]
DEFAULT_MISFIRE_GRACE = timedelta(minutes=10)

logger = logging.getLogger(__name__)


class ScheduleRunner:
    """Awaits ``fire(schedule_id, scheduled_fire_time)`` on the event loop when a schedule fires.

    ``scheduled_fire_time`` is the time the firing was planned for (not when it ran), so the
    core can de-duplicate on ``(schedule_id, scheduled_fire_time)``. Fire times that were
    missed by more than ``misfire_grace`` (a blocked loop, a job added late) are skipped,
    and several due at once are coalesced into one firing for the latest. A schedule never
    runs twice concurrently. An exception from ``fire`` is logged and the runner goes on.

    Use ``async with ScheduleRunner(fire) as runner:`` or ``await start()`` /
    ``await shutdown()``; both must run on the loop that should run ``fire``.
    """

    def __init__(
        self,
        fire: FireCallback,
        timezone: str = DEFAULT_TIMEZONE,
        misfire_grace: timedelta = DEFAULT_MISFIRE_GRACE,
    ) -> None:
        if misfire_grace < timedelta(seconds=1):
            raise ValueError(f"misfire_grace must be at least one second, got {misfire_grace}")
        self._fire = fire
        self._tz = load_zone(timezone)
        self._grace = misfire_grace
        # Scheduled time of each submitted firing, from EVENT_JOB_SUBMITTED until _run takes it.
        self._due: dict[str, datetime] = {}
        self._running: set[asyncio.Task[Any]] = set()
        self._scheduler: Any = AsyncIOScheduler(
            timezone=self._tz,
            jobstores={"default": MemoryJobStore()},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                # APScheduler takes whole seconds; rounding up never drops a firing we allow.
                "misfire_grace_time": math.ceil(misfire_grace.total_seconds()),
            },
        )
        self._scheduler.add_listener(self._on_submitted, EVENT_JOB_SUBMITTED)
        # AsyncIOScheduler applies shutdown() in a later loop callback; this says it is done.
        self._stopped = asyncio.Event()
        self._scheduler.add_listener(lambda _event: self._stopped.set(), EVENT_SCHEDULER_SHUTDOWN)

    async def start(self) -> None:
        """Start firing; schedules added before now are armed. ``RuntimeError`` if running."""
        if self._scheduler.running:
            raise RuntimeError("ScheduleRunner is already running")
        self._stopped.clear()
        self._scheduler.start()

    async def shutdown(self) -> None:
        """Stop: no new firing starts, and ``fire`` calls in progress are awaited. Idempotent.

        Jobs are forgotten; add them again after a new ``start()``.
        """
        if not self._scheduler.running:
            return
        if asyncio.current_task() in self._running:
            # It would wait for itself; stopping is the owner's job, not a firing's.
            raise RuntimeError("ScheduleRunner.shutdown() cannot be awaited from inside fire()")
        self._scheduler.pause()
        # A firing submitted in this loop iteration has a task that has not run yet; one
        # yield lets it enter _run and register in self._running before we wait on that set.
        await asyncio.sleep(0)
        while self._running:
            await asyncio.wait(set(self._running))
        self._scheduler.remove_all_jobs()
        self._scheduler.shutdown(wait=False)
        self._due.clear()
        await self._stopped.wait()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.shutdown()

    def add(self, schedule_id: str, spec: ScheduleSpec) -> datetime | None:
        """Arm ``spec`` under ``schedule_id``, replacing any job with that id.

        Returns the next fire time, or ``None`` for a ``once`` whose ``run_at`` is older
        than the misfire grace: that spec is not armed and any job with that id is removed
        (use ``catch_up`` to decide about it). A ``now`` spec fires at once, its scheduled
        time being the moment of ``add``; a ``once`` in the past but within the grace fires
        at once for its ``run_at``. Works before ``start()`` too (armed on start).
        A replacement that falls due while the old job's ``fire`` is still running is
        skipped (one firing per schedule at a time); APScheduler logs a warning.
        """
        now = datetime.now(self._tz)
        trigger = build_trigger(spec, now)
        first = trigger.get_next_fire_time(None, now)
        if first is None or now - first > self._grace:
            self.remove(schedule_id)
            logger.info("schedule %s has no fire time left within grace; not armed", schedule_id)
            return None
        job = self._scheduler.add_job(
            self._run,
            trigger=trigger,
            args=(schedule_id,),
            id=schedule_id,
            name=f"schedule {schedule_id}",
            replace_existing=True,
        )
        return self._next_run(job)

    def remove(self, schedule_id: str) -> bool:
        """Disarm ``schedule_id``; False if it was not armed. A ``fire`` in progress goes on."""
        self._due.pop(schedule_id, None)
        try:
            self._scheduler.remove_job(schedule_id)
        except JobLookupError:
            return False
        return True

    def next_fire_times(self) -> dict[str, datetime | None]:
        """Next fire time of every armed schedule, by id."""
        return {str(job.id): self._next_run(job) for job in self._scheduler.get_jobs()}

    def jobs(self) -> list[str]:
        """Ids of the armed schedules (soonest first once started)."""
        return [str(job.id) for job in self._scheduler.get_jobs()]

    def _next_run(self, job: Any) -> datetime | None:
        if job.pending:  # before start() APScheduler has not computed it yet
            pending: datetime | None = job.trigger.get_next_fire_time(None, datetime.now(self._tz))
            return pending
        armed: datetime | None = job.next_run_time
        return armed

    def _on_submitted(self, event: Any) -> None:
        # Dispatched synchronously right after APScheduler creates the job's task and before
        # that task first runs, so _run always finds its scheduled time here.
        run_times: list[datetime] = event.scheduled_run_times
        self._due[str(event.job_id)] = run_times[-1]

    async def _run(self, schedule_id: str) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
            task.add_done_callback(self._running.discard)
        scheduled = self._due.pop(schedule_id, None)
        if scheduled is None:
            logger.info("schedule %s was removed before its firing started; skipped", schedule_id)
            return
        try:
            await self._fire(schedule_id, scheduled)
        except Exception:
            # Only the id and time: the announcement itself may be confidential until sent.
            logger.exception(
                "schedule %s: firing for %s failed", schedule_id, scheduled.isoformat()
            )
