"""Held deliveries with a real ``broadcaster run`` process against a WAHA gateway emulator
(issue 10, points 9-11): SIGTERM exits 0 within 10 s whatever is held, the daily cap survives a
restart, and holds are released once their cause is gone.

The emulator runs in the test's event loop on 127.0.0.1; the service talks to it as to a real
WAHA (``sandbox = false``, ``base_url``), so both sides are real HTTP.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from adapters.sandbox.waha import WahaSandbox
from broadcaster.app import App
from broadcaster.config import load_settings
from broadcaster.store.records import GroupStatus
from content.model import Announcement, Level, Target, Variant
from schedules.spec import ScheduleSpec
from tests.seed import seed_regions, seed_users

pytestmark = pytest.mark.slow

KEY, HMAC = "waha-test-key", "waha-test-hmac"
ENV = {"T_WAHA_KEY": KEY, "T_WAHA_HMAC": HMAC}


def config(url: str, **waha: Any) -> str:
    settings = {
        "min_interval": 3,
        "jitter": 2,
        "group_interval": 15,
        "daily_cap": 200,
        "quiet_hours": "off",
        **waha,
    }
    lines = "\n".join(
        f"{k} = {v!r}" if isinstance(v, str) else f"{k} = {v}" for k, v in settings.items()
    )
    return f"""
[service]
data_dir = "var"
public_url = "http://127.0.0.1:8080"
[store]
url = "sqlite:///var/broadcaster.db"
[http]
enabled = false
[engine]
idle_poll = 0.1
[schedule]
quiet_hours = "off"
[accounts.gw]
adapter = "waha"
base_url = "{url}"
api_key_env = "T_WAHA_KEY"
hmac_key_env = "T_WAHA_HMAC"
{lines}
""".replace("'", '"')


@pytest.fixture
async def gateway() -> AsyncIterator[WahaSandbox]:
    server = WahaSandbox(api_key=KEY, hmac_key=HMAC)
    await server.start()
    yield server
    await server.stop()


async def prepare(folder: Path, gateway: WahaSandbox, groups: int, dispatches: int = 1) -> None:
    """Groups in the gateway and the store, and ``dispatches`` announcements scheduled now."""
    settings = load_settings(folder / "config.toml")
    async with App(settings) as app:
        await seed_regions(app.store, rw=1, rt=groups)
        await seed_users(app.store)
        n = 0
        async for region in app.store.iter_regions("36", Level.rt):
            if n == groups:
                break
            address = gateway.create_group(f"RT {n + 1}").id
            await app.directory.add_group(
                "officer", "gw", address, region.code, "rt", status=GroupStatus.active
            )
            n += 1
        for i in range(dispatches):
            content = Announcement(
                variants={"id": Variant(title=f"Uji {i}", body="Pesan uji penahanan.")},
                target=Target(regions=["36"]),
            )
            record = await app.workflow.create("officer", content)
            await app.workflow.submit("officer", record.id)
            await app.workflow.approve("verifier", record.id)
            await app.workflow.schedule("officer", record.id, ScheduleSpec.now())


def start(folder: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "broadcaster", "run", "-v", "--config", str(folder / "config.toml")],
        cwd=folder,
        env={**os.environ, **ENV},
        stdout=subprocess.DEVNULL,
        stderr=open(folder / "service.log", "ab"),
    )


def query(folder: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(folder / "var" / "broadcaster.db", timeout=10) as db:
        return list(db.execute(sql))


async def wait_for(check: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not reached within {within} s")
        await asyncio.sleep(0.05)


async def stop_within(proc: subprocess.Popen[bytes], folder: Path, limit: float) -> float:
    """SIGTERM; the seconds it took to exit (asserting exit code 0 within ``limit``)."""
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        await wait_for(lambda: proc.poll() is not None, limit, "exit after SIGTERM")
    except TimeoutError:
        proc.kill()
        proc.wait(10)
        log = (folder / "service.log").read_text()[-3000:]
        raise AssertionError(f"still running {limit} s after SIGTERM\n{log}") from None
    took = time.monotonic() - started
    assert proc.returncode == 0, (folder / "service.log").read_text()[-3000:]
    return took


def log_text(folder: Path) -> str:
    return (folder / "service.log").read_text()


@pytest.mark.parametrize(
    "waha",
    [
        {"daily_cap": 2},
        {"quiet_hours": "00:00-23:59"},
    ],
    ids=["daily-cap", "quiet-hours"],
)
async def test_sigterm_exits_zero_within_10s_while_held(
    tmp_path: Path, gateway: WahaSandbox, waha: dict[str, Any]
) -> None:
    """Point 9: a WAHA number paused past its daily cap (or in its quiet hours), paced with
    min_interval 3, jitter 2, group_interval 15: SIGTERM exits 0 within 10 s."""
    (tmp_path / "config.toml").write_text(config(gateway.url, **waha))
    await prepare(tmp_path, gateway, groups=6)
    proc = start(tmp_path)
    try:
        await wait_for(lambda: "broadcaster running" in log_text(tmp_path), 30, "started")
        expected = 2 if "daily_cap" in waha else 0
        await wait_for(lambda: len(gateway.sent) >= expected, 40, "messages before the hold")
        # the next message is due at most min_interval + jitter later: it meets the hold
        await asyncio.sleep(6.0)
    except BaseException:
        proc.kill()
        proc.wait(10)
        raise
    took = await stop_within(proc, tmp_path, 10.0)
    assert took < 10.0
    sent = len(gateway.sent)
    assert sent == expected
    statuses = dict(query(tmp_path, "SELECT status, COUNT(*) FROM deliveries GROUP BY status"))
    assert "sending" not in statuses, statuses
    assert statuses.get("sent", 0) == sent


async def test_daily_cap_survives_a_restart(tmp_path: Path, gateway: WahaSandbox) -> None:
    """Point 10: cap 3, 2 sent, restart, and only 1 more goes out the same day."""
    (tmp_path / "config.toml").write_text(
        config(gateway.url, daily_cap=3, min_interval=1.5, jitter=0, group_interval=0)
    )
    await prepare(tmp_path, gateway, groups=6)
    first = start(tmp_path)
    try:
        await wait_for(lambda: len(gateway.sent) >= 2, 40, "two messages")
    finally:
        await stop_within(first, tmp_path, 10.0)
    before = len(gateway.sent)
    assert before == 2, "the first run sent a third message before it stopped; slow it down"

    second = start(tmp_path)
    try:
        await wait_for(lambda: len(gateway.sent) >= 3, 40, "the third message")
        # a message is due every 1.5 s: the rest would have gone out by now without the cap
        await asyncio.sleep(6.0)
    finally:
        await stop_within(second, tmp_path, 10.0)
    assert len(gateway.sent) == 3
    held = query(
        tmp_path,
        "SELECT held_reason, COUNT(*) FROM deliveries WHERE status = 'queued' GROUP BY 1",
    )
    assert held == [("daily_cap", 3)]
    assert "held (daily_cap)" in log_text(tmp_path)


def held_rows(folder: Path) -> dict[str, int]:
    return dict(
        query(
            folder,
            "SELECT held_reason, COUNT(*) FROM deliveries "
            "WHERE status = 'queued' AND held_reason IS NOT NULL GROUP BY 1",
        )
    )


@pytest.mark.parametrize(
    ("held", "fixed", "reason"),
    [
        ({"quiet_hours": "00:00-23:59"}, {"quiet_hours": "off"}, "quiet_hours"),
        ({"daily_cap": 1}, {"daily_cap": 50}, "daily_cap"),
    ],
    ids=["quiet-hours", "daily-cap"],
)
async def test_holds_are_released_once_the_cause_is_fixed(
    tmp_path: Path,
    gateway: WahaSandbox,
    held: dict[str, Any],
    fixed: dict[str, Any],
    reason: str,
) -> None:
    """Point 11: deliveries held for the number's quiet hours or its daily cap go out after
    the config is fixed and the service restarted (they had a next_at half a day ahead)."""
    fast = {"min_interval": 0.2, "jitter": 0, "group_interval": 0}
    (tmp_path / "config.toml").write_text(config(gateway.url, **fast, **held))
    await prepare(tmp_path, gateway, groups=4)
    first = start(tmp_path)
    try:
        later = time.time() + 3600
        await wait_for(
            lambda: (
                query(
                    tmp_path,
                    "SELECT COUNT(*) FROM deliveries "
                    f"WHERE status = 'queued' AND next_at > {later}",
                )[0][0]
                >= 4 - len(gateway.sent)
            ),
            30,
            "every unsent delivery held",
        )
    finally:
        await stop_within(first, tmp_path, 10.0)
    before = len(gateway.sent)
    assert before < 4
    assert held_rows(tmp_path) == {reason: 4 - before}

    (tmp_path / "config.toml").write_text(config(gateway.url, **fast, **fixed))
    second = start(tmp_path)
    try:
        await wait_for(lambda: len(gateway.sent) >= 4, 30, "the held deliveries sent")
    finally:
        await stop_within(second, tmp_path, 10.0)
    assert len(gateway.sent) == 4
    assert held_rows(tmp_path) == {}
    assert dict(query(tmp_path, "SELECT status, COUNT(*) FROM deliveries GROUP BY 1")) == {
        "sent": 4
    }
