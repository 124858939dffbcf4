"""Waiting on asyncio tasks and events with a bound: what the sender and the engine need to
stop in time whatever is held or paused."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence


async def wait_any(*events: asyncio.Event, within: float | None = None) -> None:
    """Return when any of ``events`` is set (or after ``within`` seconds)."""
    if any(e.is_set() for e in events):
        return
    tasks = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(tasks, timeout=within, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


async def finish(tasks: Sequence[asyncio.Task[None]], within: float) -> None:
    """Wait up to ``within`` seconds for ``tasks``, then cancel the rest and wait for them."""
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=within)
    for task in pending:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
