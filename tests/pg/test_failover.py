"""Failover with real processes sharing one PostgreSQL: ``kill -9`` a sender mid-dispatch, kill
the scheduler holder. Nothing is lost; duplicates are at most the killed sender's in-flight
deliveries; no schedule fires twice."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from schedules.spec import ScheduleSpec
from tests.pg.cluster import (
    ACCOUNTS,
    announce,
    config_text,
    lease_holders,
    pid_of,
    prepare,
    query,
    sent_lines,
    start,
    wait_until,
)

pytestmark = pytest.mark.slow

TTL = 2.0


def _stop_all(procs: list[subprocess.Popen[bytes]]) -> list[int]:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    return [proc.wait(30) for proc in procs]


async def test_kill_9_one_of_three_senders_moves_its_accounts(tmp_path: Path, schema: str) -> None:
    (tmp_path / "config.toml").write_text(config_text(schema, latency_ms=40, lease_ttl=TTL))
    total = await prepare(tmp_path)
    procs = [start(tmp_path, n, "sender", "scheduler") for n in range(3)]
    try:
        # the accounts spread over the three processes (2 each) before anything is sent
        async def spread() -> bool:
            holders = await lease_holders(schema)
            owners = Counter(h for name, h in holders.items() if name.startswith("account:"))
            return len(owners) == 3 and set(owners.values()) == {2}

        await wait_until(spread, 30, "accounts spread over three processes")
        await announce(tmp_path)
        await wait_until(lambda: len(sent_lines(tmp_path)) >= total // 4, 60, "a quarter sent")

        holders = await lease_holders(schema)
        victim_holder = holders["account:a1"]
        victim_accounts = sorted(
            name.removeprefix("account:")
            for name, h in holders.items()
            if h == victim_holder and name.startswith("account:")
        )
        victim = next(p for p in procs if p.pid == pid_of(victim_holder))
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        killed_at = time.monotonic()
        rows = await query(
            schema,
            "SELECT COUNT(*) FROM deliveries WHERE status = 'sending' AND account = ANY($1)",
            victim_accounts,
        )
        in_flight = int(rows[0][0])
        sent_at_kill = len(sent_lines(tmp_path))
        assert sent_at_kill < total, "the dispatch finished before the kill; slow the adapter"

        # the survivors take the victim's accounts over within the lease time (plus one round)
        async def taken_over() -> bool:
            now = await lease_holders(schema)
            return all(
                now.get(f"account:{a}") not in (None, victim_holder) for a in victim_accounts
            )

        await wait_until(taken_over, 3 * TTL, "victim's accounts taken over")
        assert time.monotonic() - killed_at <= 2 * TTL + 1.0

        async def done() -> bool:
            rows = await query(schema, "SELECT status FROM dispatches")
            return bool(rows) and rows[0][0] == "done"

        await wait_until(done, 120, "dispatch done")
    finally:
        codes = _stop_all(procs)
    assert [c for p, c in zip(procs, codes, strict=True) if p is not victim] == [0, 0]
    statuses = dict(
        (str(r[0]), int(r[1]))
        for r in await query(schema, "SELECT status, COUNT(*) FROM deliveries GROUP BY 1")
    )
    assert statuses == {"sent": total}
    per_address = Counter(str(line["address"]) for line in sent_lines(tmp_path))
    assert len(per_address) == total, "some group never received the announcement"
    duplicated = [a for a, n in per_address.items() if n > 1]
    assert all(per_address[a] == 2 for a in duplicated)
    assert len(duplicated) <= in_flight, (len(duplicated), in_flight)
    assert set(ACCOUNTS) >= set(victim_accounts)


async def test_kill_the_scheduler_holder_and_another_fires_once(
    tmp_path: Path, schema: str
) -> None:
    (tmp_path / "config.toml").write_text(config_text(schema, latency_ms=0, lease_ttl=TTL))
    total = await prepare(tmp_path, rt=2)
    procs = [start(tmp_path, n, "scheduler", "sender") for n in range(2)]
    try:
        holders = await wait_until(
            lambda: _scheduler_holder(schema), 30, "a scheduler lease holder"
        )
        first = next(p for p in procs if p.pid == pid_of(holders))
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        # a one-off due a little after the kill: only the survivor can fire it
        when = datetime.now(UTC) + timedelta(seconds=1)
        await announce(tmp_path, ScheduleSpec.at(when, "Asia/Jakarta"))

        async def new_holder() -> str | None:
            holder = await _scheduler_holder(schema)
            return holder if holder not in (None, holders) else None

        await wait_until(new_holder, 4 * TTL, "scheduler taken over")

        async def fired() -> bool:
            rows = await query(schema, "SELECT status FROM dispatches")
            return len(rows) == 1 and rows[0][0] == "done"

        await wait_until(fired, 60, "the schedule fired and its dispatch finished")
        await asyncio.sleep(3 * TTL)  # room for a second firing, which must not happen
    finally:
        _stop_all(procs)
    assert len(await query(schema, "SELECT id FROM dispatches")) == 1
    sent = Counter(str(line["address"]) for line in sent_lines(tmp_path))
    assert len(sent) == total and set(sent.values()) == {1}
    fired_entries = await query(
        schema, "SELECT COUNT(*) FROM audit WHERE action = 'schedule.fired'"
    )
    assert int(fired_entries[0][0]) == 1


async def _scheduler_holder(schema: str) -> str | None:
    return (await lease_holders(schema)).get("scheduler")
