"""The planner: turns ``planning`` dispatches into deliveries, one batch at a time.

Each batch is one transaction that inserts deliveries and advances the dispatch's cursor, so a
crash re-plans nothing twice (deliveries are unique per (dispatch, group)). The dispatch to plan is
re-chosen before every batch — highest priority first — so an emergency overtakes a running
normal dispatch at the next batch boundary. Memory does not grow with the audience: the store
streams the target range.
"""

from __future__ import annotations

import asyncio
import logging

from ..auth import SYSTEM
from ..store.contract import Store
from ..store.records import AuditRecord, DispatchStatus

log = logging.getLogger(__name__)


class Planner:
    def __init__(self, store: Store, batch: int, planned: asyncio.Event, idle: float = 0.5) -> None:
        self.store = store
        self.batch = batch
        self.wake = asyncio.Event()
        self._planned = planned  # set whenever new deliveries exist, to wake the senders
        self._idle = idle

    async def plan_once(self) -> bool:
        """Plan one batch of the most urgent dispatch; False when nothing needs planning."""
        dispatch = await self.store.next_dispatch_to_plan()
        if dispatch is None:
            return False
        scanned = await self.store.plan_batch(dispatch.id, self.batch)
        if scanned == 0:
            done = await self.store.set_dispatch_status(
                dispatch.id,
                DispatchStatus.sending,
                AuditRecord(
                    actor=SYSTEM,
                    action="dispatch.planned",
                    object_type="dispatch",
                    object_id=str(dispatch.id),
                    detail={},
                ),
                only_from=DispatchStatus.planning,  # never revive a dispatch cancelled meanwhile
            )
            if done.status is DispatchStatus.sending:
                log.info("dispatch %s planned: %s deliveries", dispatch.id, done.planned)
        self._planned.set()
        return True

    async def run(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            if await self.plan_once():
                continue
            self.wake.clear()
            waiters = [
                asyncio.ensure_future(self.wake.wait()),
                asyncio.ensure_future(stopping.wait()),
            ]
            _, pending = await asyncio.wait(
                waiters, timeout=self._idle, return_when=asyncio.FIRST_COMPLETED
            )
            for task in pending:
                task.cancel()
