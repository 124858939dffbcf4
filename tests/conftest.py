"""Shared fixtures: real SQLite files in tmp_path, the shared wilayah data, ready-made settings."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from broadcaster.config import Settings
from broadcaster.store.contract import Store
from broadcaster.store.sqlite import SqliteStore

WILAYAH = Path(__file__).resolve().parents[2] / "shared" / "data" / "wilayah"


def pytest_configure(config: pytest.Config) -> None:
    """Commands keep validated configs' essentials in $XDG_CACHE_HOME/broadcaster/config
    (broadcaster.config_cache): the tests' commands, in this process and in the processes they
    start, keep theirs in a folder of the session instead of the user's home."""
    folder = tempfile.mkdtemp(prefix="broadcaster-test-cache-")
    config.stash[_CACHE_HOME] = folder
    os.environ["XDG_CACHE_HOME"] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_CACHE_HOME, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


_CACHE_HOME = pytest.StashKey[str]()


@pytest.fixture
def wilayah_dir() -> Path:
    """The shared Kemendagri region files; tests using them skip (visibly) when absent."""
    if not (WILAYAH / "villages.csv").exists():
        pytest.skip(f"shared region data not found at {WILAYAH}")
    return WILAYAH


STORE_KINDS = ["sqlite", "postgres"]

# the PostgreSQL the tests use (trust auth); each test gets its own schema in it
PG_URL = os.environ.get("BROADCASTER_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def pg_schema(tmp_path: Path) -> str:
    """The schema of one test: derived from its tmp_path, so reopening finds the same data."""
    return "t_" + hashlib.sha1(str(tmp_path).encode()).hexdigest()[:20]


def missing_service(message: str) -> NoReturn:
    """A real server or tool a test needs is absent: skip visibly on a developer machine, fail
    in CI (CI=true), where .ci/run installs everything."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


async def pg_available() -> None:
    """Skip visibly when PostgreSQL is unreachable; in CI (CI=true) fail instead."""
    import asyncpg

    try:
        conn = await asyncpg.connect(PG_URL, timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        missing_service(f"PostgreSQL not reachable at {PG_URL}: {exc}")
    await conn.close()


async def drop_pg_schema(schema: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_URL, timeout=10)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


_PG_SCHEMAS: set[str] = set()  # created in this session; dropped at its end


@pytest.fixture(scope="session", autouse=True)
def _drop_pg_schemas() -> Iterator[None]:
    """Drop every test schema this session created (helpers open stores outside fixtures)."""
    yield
    if _PG_SCHEMAS:

        async def drop() -> None:
            for name in sorted(_PG_SCHEMAS):
                await drop_pg_schema(name)

        asyncio.run(drop())


async def open_test_store(kind: str, tmp_path: Path) -> Store:
    if kind == "sqlite":
        store: Store = SqliteStore(tmp_path / "test.db")
    elif kind == "postgres":
        from broadcaster.store.postgres import PgOptions, PostgresStore

        await pg_available()
        # one connection: operations of concurrent coroutines interleave the way they do on
        # SQLite's single connection, which the workflow race tests rely on; concurrency over
        # many connections and processes is tested in tests/pg
        _PG_SCHEMAS.add(pg_schema(tmp_path))
        store = PostgresStore(PG_URL, PgOptions(schema=pg_schema(tmp_path), pool_max=1))
    else:  # pragma: no cover - new engines register here
        raise ValueError(kind)
    await store.open()
    return store


@pytest.fixture(params=STORE_KINDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """A fresh, migrated store of every implemented kind (contract tests run once per kind)."""
    s = await open_test_store(str(request.param), tmp_path)
    try:
        yield s
    finally:
        await s.close()
        if request.param == "postgres":
            await drop_pg_schema(pg_schema(tmp_path))


def make_settings(tmp_path: Path, **sections: Any) -> Settings:
    """Settings for tests: data in tmp_path, quiet hours off, fast polling, no HTTP."""
    data: dict[str, Any] = {
        "service": {"data_dir": str(tmp_path / "var"), "public_url": "http://127.0.0.1:8080"},
        "store": {"url": f"sqlite:///{tmp_path / 'broadcaster.db'}"},
        "http": {"enabled": False},
        "engine": {"idle_poll": 0.05, "backoff_base": 0.01, "backoff_max": 0.05},
        "schedule": {"quiet_hours": "off"},
        "accounts": {"scripted": {"adapter": "scripted"}},
    }
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict) and key != "accounts":
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return Settings(**data)
