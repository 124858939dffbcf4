"""Contract: halves of a report waiting for the other half (migration 0015), on both engines."""

from __future__ import annotations

import time
from pathlib import Path

from broadcaster.config import HoaxConfig
from broadcaster.hoaxdesk.housekeeping import PENDING_MAX_AGE, purge_once
from broadcaster.store.contract import Store


async def test_a_kept_half_is_taken_once(store: Store) -> None:
    now = time.time()
    forward = {"text": "Besok pemadaman listrik", "forwarded": True, "media": None}
    await store.keep_pending_report("wa", "k1", "forward", now, forward, now - 600)
    assert await store.take_pending_report("wa", "k1", "asked", now - 600) is None  # other kind
    assert await store.take_pending_report("wa2", "k1", "forward", now - 600) is None  # account
    assert await store.take_pending_report("wa", "k1", "forward", now - 600) == forward
    assert await store.take_pending_report("wa", "k1", "forward", now - 600) is None  # used up


async def test_a_newer_half_replaces_and_an_old_one_does_not_pair(store: Store) -> None:
    now = time.time()
    await store.keep_pending_report("wa", "k", "forward", now - 30, {"text": "lama"}, now - 600)
    await store.keep_pending_report("wa", "k", "forward", now, {"text": "baru"}, now - 600)
    assert await store.take_pending_report("wa", "k", "forward", now - 600) == {"text": "baru"}
    await store.keep_pending_report("wa", "k", "asked", now - 700, {}, now - 1000)
    assert await store.take_pending_report("wa", "k", "asked", now - 600) is None  # too old
    assert await store.take_pending_report("wa", "k", "asked", 0) is None  # and forgotten


async def test_writes_and_housekeeping_forget_old_halves(store: Store, tmp_path: Path) -> None:
    now = time.time()
    await store.keep_pending_report("wa", "a", "asked", now - 900, {}, now - 1000)
    await store.keep_pending_report("wa", "b", "asked", now, {}, now - 600)  # forgets "a"
    assert await store.take_pending_report("wa", "a", "asked", 0) is None
    await store.keep_pending_report("wa", "c", "asked", now - PENDING_MAX_AGE - 5, {}, 0)
    await purge_once(store, HoaxConfig(), tmp_path, now=now)
    assert await store.take_pending_report("wa", "c", "asked", 0) is None
    assert await store.take_pending_report("wa", "b", "asked", 0) == {}
    assert await store.forget_pending_reports(now + 1) == 0  # nothing left
