"""Keeps the engine's long-running tasks alive.

A task that fails (the database stayed unreachable longer than ``retry_for``, a bug) is logged,
marked *down* — ``/healthz`` answers 503 naming it, ``broadcaster_engine_task_up`` is 0 in
``/metrics`` — and started again after a backoff (1 s, doubling up to 30 s; back to 1 s after a
minute of running well). Before a restart the task's ``recover`` step runs (a sender puts back
what its failed run had claimed); if that fails too, the task stays down and is tried again
after the next backoff. A task that returns on its own is finished, not restarted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from ..metrics import Metrics

log = logging.getLogger(__name__)

Run = Callable[[], Awaitable[None]]

FIRST_DELAY = 1.0
MAX_DELAY = 30.0
HEALTHY_AFTER = 60.0  # seconds of running that reset the backoff


class Supervisor:
    def __init__(self, metrics: Metrics, stopping: asyncio.Event) -> None:
        self.metrics = metrics
        self.stopping = stopping
        #: task name → why it is down (the failure), while it waits to be restarted
        self.down: dict[str, str] = {}

    def start(self, name: str, run: Run, recover: Run | None = None) -> asyncio.Task[None]:
        """Run ``run()`` as the task ``name``, restarting it whenever it fails."""
        return asyncio.create_task(self._keep(name, run, recover), name=name)

    def forget(self, name: str) -> None:
        """The task ended on purpose (its lease was lost): it is not down."""
        self.down.pop(name, None)

    def _mark(self, name: str, failure: str | None) -> None:
        if failure is None:
            self.down.pop(name, None)
        else:
            self.down[name] = failure
        self.metrics.task_up.labels(name).set(0 if failure else 1)

    async def _keep(self, name: str, run: Run, recover: Run | None) -> None:
        delay = FIRST_DELAY
        failed = False
        while True:
            started = time.monotonic()
            try:
                if failed and recover is not None:
                    await recover()
                self._mark(name, None)
                await run()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.stopping.is_set():
                    log.warning("engine task %s failed while stopping: %r", name, exc)
                    return
                if time.monotonic() - started > HEALTHY_AFTER:
                    delay = FIRST_DELAY
                failed = True
                self._mark(name, f"{type(exc).__name__}: {exc}")
                self.metrics.task_restarts.labels(name).inc()
                log.error(
                    "engine task %s failed (%s: %s); restarting in %.0f s",
                    name,
                    type(exc).__name__,
                    exc,
                    delay,
                    exc_info=exc,
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), delay)
            if self.stopping.is_set():
                return
            delay = min(delay * 2, MAX_DELAY)
