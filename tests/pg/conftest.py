"""PostgreSQL-only fixtures: a fresh schema per test in the server at PG_URL (tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from broadcaster.store.postgres import PgOptions, PostgresStore
from tests.conftest import PG_URL, drop_pg_schema, pg_available, pg_schema

OpenStore = Callable[..., Awaitable[PostgresStore]]


@pytest.fixture
async def schema(tmp_path: Path) -> AsyncIterator[str]:
    """A schema name for this test; dropped (with everything in it) afterwards."""
    await pg_available()
    name = pg_schema(tmp_path)
    await drop_pg_schema(name)
    yield name
    await drop_pg_schema(name)


@pytest.fixture
async def open_pg(schema: str) -> AsyncIterator[OpenStore]:
    """Open any number of stores on the test's schema (as separate processes would)."""
    opened: list[PostgresStore] = []

    async def go(**options: Any) -> PostgresStore:
        settings: dict[str, Any] = {"schema": schema, "pool_max": 4, **options}
        store = PostgresStore(PG_URL, PgOptions(**settings))
        await store.open()
        opened.append(store)
        return store

    yield go
    for store in opened:
        await store.close()
