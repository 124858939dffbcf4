"""Completion: a dispatch whose deliveries are all final is done; its announcement follows."""

from __future__ import annotations

import asyncio
import logging

from content.workflow import Action, next_status

from ..auth import SYSTEM
from ..errors import Conflict
from ..metrics import Metrics
from ..store.contract import Store
from ..store.records import AuditRecord, Dispatch, DispatchStatus, ScheduleStatus

log = logging.getLogger(__name__)

RUNNING = (DispatchStatus.planning, DispatchStatus.sending)


async def finish_dispatch(store: Store, dispatch: Dispatch) -> bool:
    """Mark ``dispatch`` done when nothing is queued or in flight; True when it was."""
    if await store.has_outstanding(dispatch.id):
        return False
    progress = await store.dispatch_progress(dispatch.id)
    await store.set_dispatch_status(
        dispatch.id,
        DispatchStatus.done,
        AuditRecord(
            actor=SYSTEM,
            action="dispatch.done",
            object_type="dispatch",
            object_id=str(dispatch.id),
            detail={"counts": progress.by_status, "planned": progress.planned},
            content_hash=dispatch.content_hash,
        ),
        only_from=DispatchStatus.sending,
    )
    await settle_announcement(store, dispatch.announcement_id)
    log.info("dispatch %s done: %s", dispatch.id, progress.by_status)
    return True


async def settle_announcement(store: Store, announcement_id: int) -> None:
    """dispatching → done when nothing more will fire, → scheduled while a recurrence remains."""
    for _ in range(5):
        record = await store.get_announcement(announcement_id)
        running = await store.list_dispatches(RUNNING, announcement_id=announcement_id)
        if running:
            return
        active = await store.list_schedules(ScheduleStatus.active, announcement_id=announcement_id)
        action = Action.schedule if active else Action.finish
        new = next_status(record.status, action)
        if new is None or new is record.status:
            return
        try:
            await store.save_announcement(
                record.id,
                record.version,
                AuditRecord(
                    actor=SYSTEM,
                    action=f"announcement.{new.value}",
                    object_type="announcement",
                    object_id=str(record.id),
                ),
                status=new,
            )
            return
        except Conflict:
            continue  # changed meanwhile (a schedule fired, an officer cancelled): re-read


class Monitor:
    def __init__(self, store: Store, metrics: Metrics, accounts: list[str]) -> None:
        self.store = store
        self.metrics = metrics
        self.accounts = accounts
        self._lock = asyncio.Lock()  # housekeeping and drain() must not finish a dispatch twice

    async def check(self) -> int:
        """Finish every complete dispatch; return how many are still running."""
        async with self._lock:
            # one query for both states: a dispatch moving from planning to sending between two
            # queries would otherwise be counted by neither
            running = 0
            for dispatch in await self.store.list_dispatches(RUNNING, limit=1000):
                if dispatch.status is DispatchStatus.planning or not await finish_dispatch(
                    self.store, dispatch
                ):
                    running += 1
            return running
