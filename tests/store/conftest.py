"""Fixtures of the store contract suite (on top of ``store`` from tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from broadcaster.store.contract import Store
from tests.conftest import open_test_store
from tests.seed import seed_regions, seed_users

Reopen = Callable[[], Awaitable[Store]]


@pytest.fixture
async def seeded(store: Store) -> Store:
    """The store with the Banten sample (2 RW x 3 RT per village), Jakarta and the users."""
    await seed_regions(store)
    await seed_users(store)
    return store


@pytest.fixture
async def reopen(
    store: Store, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Reopen]:
    """Close ``store`` and open its data again with a new store object of the same kind."""
    kind = str(request.node.callspec.params["store"])
    opened: list[Store] = []

    async def again() -> Store:
        await store.close()
        fresh = await open_test_store(kind, tmp_path)
        opened.append(fresh)
        return fresh

    yield again
    for s in opened:
        await s.close()
