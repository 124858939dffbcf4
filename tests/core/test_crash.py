"""Crash safety with real processes: ``kill -9`` mid-dispatch, restart, nothing lost.

The scripted adapter appends one JSON line per message and flushes it before the send returns,
so the log is the ground truth of what went out.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from broadcaster.app import App
from broadcaster.config import load_settings
from broadcaster.engine import Engine
from content.model import Announcement, Target, Variant
from schedules.spec import ScheduleSpec
from tests.core.harness import Rig
from tests.seed import seed_regions, seed_users

pytestmark = pytest.mark.slow

CONFIG = """
[service]
data_dir = "var"
public_url = "http://127.0.0.1:8080"
[store]
url = "sqlite:///var/broadcaster.db"
[http]
enabled = false
[engine]
claim_batch = 40
max_in_flight = 4
idle_poll = 0.05
[schedule]
quiet_hours = "off"
[accounts.scripted]
adapter = "scripted"
latency_ms = 4
record = false
log_path = "sent.jsonl"
"""


async def _prepare(folder: Path) -> int:
    settings = load_settings(folder / "config.toml")
    async with App(settings) as app:
        await seed_regions(app.store, rw=10, rt=25)
        await seed_users(app.store)
        rig = Rig(app, Engine(app.store, settings, app.adapters, with_scheduler=False))
        groups = await rig.add_groups()
        content = Announcement(
            variants={"id": Variant(title="Uji", body="Pesan uji ketahanan.")},
            target=Target(regions=["36"]),
        )
        record = await app.workflow.create("officer", content)
        await app.workflow.submit("officer", record.id)
        await app.workflow.approve("verifier", record.id)
        await app.workflow.schedule("officer", record.id, ScheduleSpec.now())
        return len(groups)


def _start(folder: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "broadcaster", "run", "--config", str(folder / "config.toml")],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=open(folder / "service.log", "ab"),
    )


def _lines(folder: Path) -> list[dict[str, object]]:
    path = folder / "var" / "sent.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _query(folder: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(folder / "var" / "broadcaster.db", timeout=10) as db:
        return list(db.execute(sql))


async def _wait_until(predicate: object, within: float) -> None:
    deadline = time.monotonic() + within
    assert callable(predicate)
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached in time")
        await asyncio.sleep(0.01)


async def test_kill_9_mid_dispatch_loses_nothing(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(CONFIG)
    total = await _prepare(tmp_path)
    assert total == 1000

    first = _start(tmp_path)
    try:
        await _wait_until(lambda: len(_lines(tmp_path)) >= total // 4, 60)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    sent_before = len(_lines(tmp_path))
    assert sent_before < total, "the dispatch finished before the kill; slow the adapter down"
    in_flight = int(
        _query(tmp_path, "SELECT COUNT(*) FROM deliveries WHERE status='sending'")[0][0]
    )
    assert in_flight > 0

    second = _start(tmp_path)
    try:
        await _wait_until(
            lambda: _query(tmp_path, "SELECT status FROM dispatches")[0][0] == "done", 120
        )
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(30) == 0

    statuses = dict(_query(tmp_path, "SELECT status, COUNT(*) FROM deliveries GROUP BY status"))
    assert statuses == {"sent": total}
    per_address = Counter(str(line["address"]) for line in _lines(tmp_path))
    assert len(per_address) == total, "some group never received the announcement"
    duplicated = [a for a, n in per_address.items() if n > 1]
    assert all(per_address[a] == 2 for a in duplicated)
    assert len(duplicated) <= in_flight, (len(duplicated), in_flight)


async def test_sigterm_finishes_in_flight_and_exits_zero(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(CONFIG)
    total = await _prepare(tmp_path)
    proc = _start(tmp_path)
    try:
        await _wait_until(lambda: len(_lines(tmp_path)) >= 50, 60)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
    assert code == 0, (tmp_path / "service.log").read_text()[-2000:]
    statuses = dict(_query(tmp_path, "SELECT status, COUNT(*) FROM deliveries GROUP BY status"))
    assert "sending" not in statuses
    assert statuses.get("sent", 0) == len(_lines(tmp_path))
    assert statuses.get("sent", 0) < total
    # resuming later completes the rest without repeating anything
    proc = _start(tmp_path)
    try:
        await _wait_until(
            lambda: _query(tmp_path, "SELECT status FROM dispatches")[0][0] == "done", 120
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    per_address = Counter(str(line["address"]) for line in _lines(tmp_path))
    assert len(per_address) == total and set(per_address.values()) == {1}
