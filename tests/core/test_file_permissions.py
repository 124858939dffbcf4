"""Issue 11.8: the data folder is 0700 and every file the service writes in it 0600 (database,
WAL, SHM, outbox, salt), whatever the umask; files an older version left readable are tightened."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from broadcaster.inbox import load_salt
from tests.core.harness import rig


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0o022)  # the usual default: files 0644, folders 0755
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_data_folder_and_files_are_owner_only(tmp_path: Path, open_umask: None) -> None:
    var = tmp_path / "var"
    settings: dict[str, Any] = {
        "store": {"url": f"sqlite:///{var / 'broadcaster.db'}"},
        "accounts": {"scripted": {"adapter": "scripted"}, "outbox": {"adapter": "file"}},
    }
    async with rig(tmp_path, **settings) as r:
        await r.add_groups("outbox", under="3671010001")
        record = await r.approved(regions=("3671010001",))
        await r.dispatch_now(record)
        load_salt(var)
        for _ in range(200):
            outboxes = list(var.glob("outbox*.jsonl"))
            if outboxes and outboxes[0].stat().st_size:
                break
            await asyncio.sleep(0.02)
        files = {p.name: mode(p) for p in var.iterdir() if p.is_file()}
    assert mode(var) == 0o700
    for name in ("broadcaster.db", "broadcaster.db-wal", "broadcaster.db-shm", ".salt"):
        assert files.get(name) == 0o600, files
    assert outboxes and files[outboxes[0].name] == 0o600, files
    assert all(m & 0o077 == 0 for m in files.values()), files


async def test_files_left_readable_by_an_older_version_are_tightened(
    tmp_path: Path, open_umask: None
) -> None:
    var = tmp_path / "var"
    var.mkdir()
    (var / ".salt").write_bytes(os.urandom(32))
    db = var / "broadcaster.db"
    db.touch()
    assert mode(db) == 0o644
    async with rig(tmp_path, start=False, store={"url": f"sqlite:///{db}"}):
        pass
    assert load_salt(var) and mode(var / ".salt") == 0o600
    assert mode(db) == 0o600
