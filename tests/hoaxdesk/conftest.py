"""Fixtures of the hoax desk tests: a real SQLite store with the Banten sample, users and one
subscribed group of the reference ``file`` adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.file import FileAdapter
from broadcaster.adapter import AdapterContext
from broadcaster.inbox import Inbox
from broadcaster.store.contract import Store
from tests.conftest import open_test_store
from tests.seed import seed_regions, seed_users
from tests.store.support import TAJUR_RT1, add_groups, group

ACCOUNT = "outbox"
GROUP = "rt1-tajur"


@pytest.fixture
async def desk_store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await open_test_store("sqlite", tmp_path)
    await seed_regions(store)
    await seed_users(store)
    await add_groups(store, [group(TAJUR_RT1, GROUP, channel="file", account=ACCOUNT)])
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
def inbox(desk_store: Store, tmp_path: Path) -> Inbox:
    adapter = FileAdapter(AdapterContext(ACCOUNT, {}, tmp_path))
    return Inbox(desk_store, {ACCOUNT: adapter}, b"test-salt", public_url="https://lapor.example")
