"""A running process whose database connections are terminated (``pg_terminate_backend``, as an
operator, a failover or a pooler would) keeps working: with real processes, mid-planning and
mid-sending. Its connections carry ``application_name = broadcaster:<role>:<host>:<pid>``, which
is also how this test finds them (other tests share the server)."""

from __future__ import annotations

import asyncio
import signal
import socket
import time
from collections import Counter
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import PG_URL
from tests.pg.cluster import announce, config_text, prepare, query, sent_lines, start, wait_until

pytestmark = pytest.mark.slow


async def terminate(pid: int) -> int:
    """Terminate every connection the process ``pid`` has open; how many were."""
    conn = await asyncpg.connect(PG_URL)
    try:
        rows = await conn.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name LIKE 'broadcaster:%:' || $1::text",
            str(pid),
        )
    finally:
        await conn.close()
    return len(rows)


async def application_names(pid: int) -> set[str]:
    conn = await asyncpg.connect(PG_URL)
    try:
        rows = await conn.fetch(
            "SELECT application_name FROM pg_stat_activity "
            "WHERE application_name LIKE '%:' || $1::text",
            str(pid),
        )
    finally:
        await conn.close()
    return {str(r[0]) for r in rows}


async def test_terminated_connections_mid_planning_and_mid_sending(
    tmp_path: Path, schema: str
) -> None:
    (tmp_path / "config.toml").write_text(config_text(schema, latency_ms=150, lease_ttl=3.0))
    total = await prepare(tmp_path, rt=25)
    # small planning batches, so planning lasts long enough to be cut into
    proc = start(tmp_path, 0, "sender", "scheduler", env={"BROADCASTER_ENGINE__PLAN_BATCH": "10"})
    try:
        names = await wait_until(
            lambda: application_names(proc.pid), 30, "the process's connections"
        )
        assert names == {f"broadcaster:sender+scheduler:{socket.gethostname()}:{proc.pid}"}
        await wait_until(
            lambda: query(schema, "SELECT 1 FROM leases WHERE name = 'account:a1'"),
            30,
            "the sender leased its accounts",
        )
        await announce(tmp_path)

        async def status() -> str:
            rows = await query(schema, "SELECT status FROM dispatches")
            return str(rows[0][0]) if rows else ""

        # mid-planning: cut every connection while the planner works through the batches
        await wait_until(lambda: status(), 30, "the dispatch created")
        cuts = {"planning": 0, "sending": 0}
        deadline = time.monotonic() + 30.0
        while time.monotonic() < deadline and (now := await status()) == "planning":
            cuts["planning"] += await terminate(proc.pid)
            await asyncio.sleep(0.4)
        # mid-sending: again while deliveries go out
        assert now != "planning", "planning stopped (the planner died?)"
        sent_before = len(sent_lines(tmp_path))
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and (now := await status()) == "sending":
            cuts["sending"] += await terminate(proc.pid)
            await asyncio.sleep(0.4)
        assert cuts["planning"] and cuts["sending"], (cuts, now)
        assert sent_before < total, "the dispatch was sent before the cuts; slow the adapter"

        await wait_until(lambda: _done(schema), 90, "done")
        assert proc.poll() is None, "the process died"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
    assert code == 0
    statuses = dict(
        (str(r[0]), int(r[1]))
        for r in await query(schema, "SELECT status, COUNT(*) FROM deliveries GROUP BY 1")
    )
    assert statuses == {"sent": total}
    per_address = Counter(str(line["address"]) for line in sent_lines(tmp_path))
    assert len(per_address) == total, "some group never received the announcement"
    # no sender run failed (each store call outlived the cuts), so nothing was sent twice
    assert max(per_address.values()) == 1


async def _done(schema: str) -> bool:
    rows = await query(schema, "SELECT status FROM dispatches")
    return bool(rows) and rows[0][0] == "done"
