"""Shared fixtures: real SQLite files in tmp_path, the shared wilayah data, ready-made settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from broadcaster.config import Settings
from broadcaster.store.contract import Store
from broadcaster.store.sqlite import SqliteStore

WILAYAH = Path(__file__).resolve().parents[2] / "shared" / "data" / "wilayah"


@pytest.fixture
def wilayah_dir() -> Path:
    """The shared Kemendagri region files; tests using them skip (visibly) when absent."""
    if not (WILAYAH / "villages.csv").exists():
        pytest.skip(f"shared region data not found at {WILAYAH}")
    return WILAYAH


STORE_KINDS = ["sqlite"]


async def open_test_store(kind: str, tmp_path: Path) -> Store:
    if kind == "sqlite":
        store: Store = SqliteStore(tmp_path / "test.db")
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
