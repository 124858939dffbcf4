"""``kill -9`` mid-broadcast against the Bot API emulator, with real processes.

The emulator runs as its own process (it must outlive the killed service), with rate limits on
(200 messages/s, which the account's limits match). 300 groups exist both in the emulator and in
the store. The service is killed once about a third of the messages arrived, then restarted: every
group must get the announcement, and no more groups get it twice than deliveries were in flight
(claimed, status ``sending``) when the process died.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest

from broadcaster.app import App
from broadcaster.config import load_settings
from broadcaster.store.records import GroupStatus
from content.model import Announcement, Level, Target, Variant
from schedules.spec import ScheduleSpec
from tests.seed import seed_regions, seed_users

pytestmark = pytest.mark.slow

TOKEN = "6660001:CRASH-test-token_abcdefghijklmnop"
GROUPS = 300
RATE = 200

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
max_in_flight = 8
idle_poll = 0.05
[schedule]
quiet_hours = "off"
[accounts.tg]
adapter = "telegram"
token_env = "CRASH_BOT_TOKEN"
base_url = "{url}"
[accounts.tg.limits]
global_per_second = {rate}
"""


@pytest.fixture
async def emulator() -> AsyncIterator[str]:
    """A standalone emulator process; yields its base URL."""
    proc = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "adapters.sandbox.telegram", "--port", "0", "--bot", TOKEN],
        *["--global-per-second", str(RATE)],
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 30)
    try:
        yield line.decode().strip()
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 10)


async def _call(client: httpx.AsyncClient, method: str, path: str, **body: Any) -> Any:
    response = await client.request(method, path, json=body or None)
    payload = response.json()
    assert payload["ok"], payload
    return payload["result"]


async def _seed_emulator(url: str) -> list[int]:
    """GROUPS groups created by one admin who added the bot to each (over the admin HTTP API);
    the join updates are consumed, so the service starts with no welcome messages to send."""
    async with aiohttp.ClientSession(url) as session:

        async def call(path: str, **body: Any) -> Any:
            async with session.post(path, json=body) as response:
                payload = await response.json()
            assert payload["ok"], payload
            return payload["result"]

        admin = (await call("/sandbox/users", first_name="Bu RT"))["id"]
        chats = []
        for index in range(GROUPS):
            chat = (await call("/sandbox/groups", title=f"RT {index}", creator=admin))["id"]
            await call(f"/sandbox/chats/{chat}/bot", bot=TOKEN, by_user=admin)
            chats.append(int(chat))
        last = await call(f"/bot{TOKEN}/getUpdates", offset=-1)
        await call(f"/bot{TOKEN}/getUpdates", offset=last[-1]["update_id"] + 1)
    return chats


async def _prepare(folder: Path, chats: list[int]) -> None:
    async with App(load_settings(folder / "config.toml")) as app:
        await seed_regions(app.store, rw=10, rt=25)
        await seed_users(app.store)
        regions = [r.code async for r in app.store.iter_regions("3671", Level.rt)][:GROUPS]
        for chat, region in zip(chats, regions, strict=True):
            await app.directory.add_group(
                "officer", "tg", str(chat), region, "rt", status=GroupStatus.active
            )
        content = Announcement(
            variants={"id": Variant(title="Uji", body="Pesan uji ketahanan.")},
            target=Target(regions=["3671"]),
        )
        record = await app.workflow.create("officer", content)
        await app.workflow.submit("officer", record.id)
        await app.workflow.approve("verifier", record.id)
        await app.workflow.schedule("officer", record.id, ScheduleSpec.now())


def _start(folder: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "broadcaster", "run", "--config", str(folder / "config.toml")],
        cwd=folder,
        env={**os.environ, "CRASH_BOT_TOKEN": TOKEN},
        stdout=subprocess.DEVNULL,
        stderr=open(folder / "service.log", "ab"),
    )


def _query(folder: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(folder / "var" / "broadcaster.db", timeout=10) as db:
        return list(db.execute(sql))


async def _accepted(url: str) -> int:
    async with httpx.AsyncClient(base_url=url) as client:
        stats = await _call(client, "GET", "/sandbox/stats")
    return int(stats["sends_accepted"])


async def _wait_for(predicate: Callable[[], Awaitable[bool]], within: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await predicate():
        if loop.time() > deadline:
            raise TimeoutError("condition not reached in time")
        await asyncio.sleep(0.02)


async def test_kill_9_mid_broadcast_loses_no_group(tmp_path: Path, emulator: str) -> None:
    (tmp_path / "config.toml").write_text(CONFIG.format(url=emulator, rate=RATE))
    chats = await _seed_emulator(emulator)
    await _prepare(tmp_path, chats)

    first = _start(tmp_path)
    try:

        async def a_third_arrived() -> bool:
            return await _accepted(emulator) >= GROUPS // 3

        await _wait_for(a_third_arrived, 60)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    sent_before = await _accepted(emulator)
    assert sent_before < GROUPS, "the broadcast finished before the kill; lower RATE"
    sql = "SELECT COUNT(*) FROM deliveries WHERE status = 'sending'"
    in_flight = int((await asyncio.to_thread(_query, tmp_path, sql))[0][0])
    assert in_flight > 0, "nothing was in flight at the kill"

    second = _start(tmp_path)
    try:

        async def done() -> bool:
            rows = await asyncio.to_thread(_query, tmp_path, "SELECT status FROM dispatches")
            return bool(rows[0][0] == "done")

        await _wait_for(done, 60)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(30) == 0, (tmp_path / "service.log").read_text()[-2000:]

    statuses = dict(
        await asyncio.to_thread(
            _query, tmp_path, "SELECT status, COUNT(*) FROM deliveries GROUP BY status"
        )
    )
    assert statuses == {"sent": GROUPS}
    async with httpx.AsyncClient(base_url=emulator) as client:
        views = await _call(client, "GET", "/sandbox/chats")
    received = {int(view["id"]): int(view["bot_messages"]) for view in views}
    assert set(received) == set(chats)
    assert min(received.values()) == 1, "some group never received the announcement"
    duplicates = sum(count - 1 for count in received.values())
    assert duplicates <= in_flight, (duplicates, in_flight)
    assert max(received.values()) <= 2
    async with httpx.AsyncClient(base_url=emulator) as client:
        stats = await _call(client, "GET", "/sandbox/stats")
    assert stats["sends_accepted"] == GROUPS + duplicates
