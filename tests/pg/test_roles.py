"""Account shares in the layouts the docs show (docker-compose.yml, docs/postgres.md), with real
processes: only sender processes count when a sender computes its share, a sender alone takes
every account, and a sender killed with ``kill -9`` is taken over within ``lease_ttl`` + a few
seconds."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

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
from tests.web.live import free_port

pytestmark = pytest.mark.slow

TTL = 2.0


def _stop_all(procs: list[subprocess.Popen[bytes]]) -> list[int]:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    return [proc.wait(30) for proc in procs]


def _launch(folder: Path, layout: list[str]) -> list[subprocess.Popen[bytes]]:
    """One process per entry (roles comma-separated); a web process serves HTTP on its port."""
    procs = []
    for n, roles in enumerate(layout):
        env = {}
        if "web" in roles.split(",") or roles == "all":
            env = {"BROADCASTER_HTTP__ENABLED": "true", "BROADCASTER_HTTP__PORT": str(free_port())}
        procs.append(start(folder, n, *roles.split(","), env=env))
    return procs


async def _accounts_by_holder(schema: str) -> Counter[str]:
    holders = await lease_holders(schema)
    return Counter(h for name, h in holders.items() if name.startswith("account:"))


async def test_compose_layout_one_sender_takes_every_account(tmp_path: Path, schema: str) -> None:
    """docker-compose.yml as shipped: 2 × scheduler, 1 × sender, 1 × web, here 6 accounts."""
    (tmp_path / "config.toml").write_text(config_text(schema, latency_ms=0, lease_ttl=TTL))
    total = await prepare(tmp_path, rt=4)
    procs = _launch(tmp_path, ["scheduler", "scheduler", "sender", "web"])
    sender = procs[2]
    try:

        async def sender_holds_all() -> bool:
            owners = await _accounts_by_holder(schema)
            return sum(owners.values()) == len(ACCOUNTS)

        await wait_until(sender_holds_all, 90, "every account leased")
        # several lease rounds later the sender still holds every account, alone
        await asyncio.sleep(2 * TTL)
        owners = await _accounts_by_holder(schema)
        assert [pid_of(h) for h in owners] == [sender.pid], owners
        assert sum(owners.values()) == len(ACCOUNTS)

        await announce(tmp_path)

        async def done() -> bool:
            rows = await query(schema, "SELECT status FROM dispatches")
            return bool(rows) and rows[0][0] == "done"

        await wait_until(done, 60, "dispatch done")
    finally:
        codes = _stop_all(procs)
    assert codes == [0, 0, 0, 0]
    per_address = Counter(str(line["address"]) for line in sent_lines(tmp_path))
    assert len(per_address) == total, "some group never received the announcement"


@pytest.mark.parametrize(
    "layout",
    [
        # docker-compose.yml with `--scale sender=2`
        ["scheduler", "scheduler", "sender", "sender", "web"],
        # two single-machine installs (`roles = ["all"]`) on one database
        ["all", "all"],
        # senders that also schedule (docs/postgres.md: run two schedulers for failover)
        ["sender,scheduler", "sender,scheduler", "web"],
    ],
    ids=["compose", "all", "sender+scheduler"],
)
async def test_kill_9_of_a_sender_is_taken_over_within_the_lease_time(
    tmp_path: Path, schema: str, layout: list[str]
) -> None:
    (tmp_path / "config.toml").write_text(config_text(schema, latency_ms=0, lease_ttl=TTL))
    await prepare(tmp_path, rt=2)
    procs = _launch(tmp_path, layout)
    senders = [
        p
        for p, roles in zip(procs, layout, strict=True)
        if "sender" in roles.split(",") or roles == "all"
    ]
    try:

        async def spread() -> bool:
            owners = await _accounts_by_holder(schema)
            return sorted(owners.values()) == [3, 3]

        await wait_until(spread, 90, "accounts shared out between the two senders")
        victim, survivor = senders
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        killed_at = time.monotonic()

        async def taken_over() -> bool:
            owners = await _accounts_by_holder(schema)
            return [pid_of(h) for h in owners] == [survivor.pid] and sum(owners.values()) == 6

        await wait_until(taken_over, TTL + 10, "the survivor holds every account")
        took = time.monotonic() - killed_at
        assert took <= TTL + 3.0, f"takeover took {took:.1f} s"

        # the dead sender's membership row is removed, not merely left expired
        async def membership_cleaned() -> bool:
            rows = await query(schema, "SELECT holder FROM leases WHERE name LIKE 'sender:%'")
            return [pid_of(str(r[0])) for r in rows] == [survivor.pid]

        await wait_until(membership_cleaned, 2 * TTL, "expired membership row removed")
    finally:
        codes = _stop_all(procs)
    assert [c for p, c in zip(procs, codes, strict=True) if p is not victim] == [0] * (
        len(procs) - 1
    )
