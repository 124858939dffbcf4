"""Contract: throttle events every web process shares (migration 0014), on both engines."""

from __future__ import annotations

import time

from broadcaster.store.contract import Store
from tests.store.conftest import Reopen


async def test_events_are_counted_per_key_and_old_ones_forgotten(store: Store) -> None:
    now = time.time()
    await store.add_throttle_event("k1", now - 100, now - 1000)
    await store.add_throttle_event("k1", now - 10, now - 1000)
    await store.add_throttle_event("k2", now - 5, now - 1000)
    assert await store.throttle_events_since("k1", now - 1000) == [now - 100, now - 10]
    assert await store.throttle_events_since("k1", now - 50) == [now - 10]
    # adding one forgets every event older than the window, of every key
    await store.add_throttle_event("k2", now, now - 50)
    assert await store.throttle_events_since("k1", 0) == [now - 10]
    assert len(await store.throttle_events_since("k2", 0)) == 2


async def test_the_count_outlives_the_process(store: Store, reopen: Reopen) -> None:
    now = time.time()
    await store.add_throttle_event("k", now, now - 600)
    again = await reopen()
    assert await again.throttle_events_since("k", now - 600) == [now]
