"""A small cluster of real ``broadcaster run`` processes on one PostgreSQL schema (test helper)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg

from broadcaster.app import App
from broadcaster.config import load_settings
from content.model import Announcement, Target, Variant
from schedules.spec import ScheduleSpec
from tests.conftest import PG_URL
from tests.seed import seed_regions, seed_users

ACCOUNTS = [f"a{n}" for n in range(1, 7)]


def config_text(schema: str, latency_ms: int, lease_ttl: float = 2.0) -> str:
    accounts = "".join(
        f"""
[accounts.{name}]
adapter = "scripted"
latency_ms = {latency_ms}
record = false
log_path = "sent-{name}.jsonl"
"""
        for name in ACCOUNTS
    )
    return f"""
[service]
data_dir = "var"
public_url = "http://127.0.0.1:8080"
[store]
url = "{PG_URL}"
schema = "{schema}"
lease_ttl = {lease_ttl}
pool_max = 4
[http]
enabled = false
[engine]
claim_batch = 10
max_in_flight = 2
idle_poll = 0.5
[schedule]
quiet_hours = "off"
{accounts}"""


async def prepare(folder: Path, rt: int = 25) -> int:
    """Regions, users and one active group per RT spread over the accounts; returns how many."""
    settings = load_settings(folder / "config.toml")
    async with App(settings) as app:
        regions = await seed_regions(app.store, rw=10, rt=rt)
        await seed_users(app.store)
    rts = [r.code for r in regions if ".RT" in r.code]
    now = time.time()
    conn = await asyncpg.connect(PG_URL)
    try:
        await conn.copy_records_to_table(
            "groups",
            schema_name=settings.store.schema_name,
            columns=[
                "channel",
                "account",
                "address",
                "region",
                "region_level",
                "kind",
                "title",
                "language",
                "status",
                "subscribed_by",
                "created_at",
                "updated_at",
            ],
            records=[
                (
                    "scripted",
                    ACCOUNTS[n % len(ACCOUNTS)],
                    f"chat-{n}",
                    code,
                    "rt",
                    "rt",
                    "",
                    "id",
                    "active",
                    "test",
                    now,
                    now,
                )
                for n, code in enumerate(rts)
            ],
        )
    finally:
        await conn.close()
    return len(rts)


async def announce(folder: Path, spec: ScheduleSpec | None = None) -> int:
    """An approved announcement to all of Banten, scheduled (now by default)."""
    settings = load_settings(folder / "config.toml")
    async with App(settings) as app:
        content = Announcement(
            variants={"id": Variant(title="Uji", body="Pesan uji ketahanan.")},
            target=Target(regions=["36"]),
        )
        record = await app.workflow.create("officer", content)
        await app.workflow.submit("officer", record.id)
        await app.workflow.approve("verifier", record.id)
        await app.workflow.schedule("officer", record.id, spec or ScheduleSpec.now())
        return record.id


def start(
    folder: Path, n: int, *roles: str, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """One process with its own data folder (its own send log), like a separate machine;
    ``env`` adds settings for this process only (``BROADCASTER_HTTP__PORT``, …)."""
    env = {**os.environ, "BROADCASTER_SERVICE__DATA_DIR": str(folder / f"var{n}"), **(env or {})}
    env["BROADCASTER_SECRET"] = "cluster-test-secret"
    args = [sys.executable, "-m", "broadcaster", "run", "--config", str(folder / "config.toml")]
    for role in roles:
        args += ["--role", role]
    return subprocess.Popen(
        args,
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(folder / f"service{n}.log", "ab"),
    )


def sent_lines(folder: Path) -> list[dict[str, Any]]:
    """Every send logged by every process (a line cut short by kill -9 is skipped)."""
    lines: list[dict[str, Any]] = []
    for path in folder.glob("var*/sent-*.jsonl"):
        for line in path.read_text().splitlines():
            try:
                lines.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return lines


async def query(schema: str, sql: str, *args: Any) -> list[Any]:
    conn = await asyncpg.connect(PG_URL, server_settings={"search_path": schema})
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def wait_until(check: Callable[[], Any], within: float, what: str) -> Any:
    deadline = time.monotonic() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"not reached within {within} s: {what}")
        await asyncio.sleep(0.05)


async def lease_holders(schema: str) -> dict[str, str]:
    rows = await query(
        schema,
        "SELECT name, holder FROM leases WHERE expires_at >= extract(epoch from clock_timestamp())",
    )
    return {str(r[0]): str(r[1]) for r in rows}


def pid_of(holder: str) -> int:
    return int(holder.split(":")[1])
