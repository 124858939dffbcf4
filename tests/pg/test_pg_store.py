"""PostgreSQL specifics beyond the shared contract suite: migrations under concurrency, the
append-only trigger, lost connections, SKIP LOCKED claims, leases and LISTEN/NOTIFY."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest

from broadcaster.audit import verify_chain
from broadcaster.errors import TransientError
from broadcaster.store import open_store
from broadcaster.store.postgres import PgOptions, PostgresStore
from broadcaster.store.postgres.base import migrations
from broadcaster.store.postgres.coordination import PgCoordinator
from tests.conftest import PG_URL
from tests.pg.conftest import OpenStore
from tests.seed import seed_regions, seed_users
from tests.store.support import (
    FAR_FUTURE,
    TAJUR,
    add_groups,
    group,
    new_dispatch,
    plan_all,
    rec,
)


async def test_open_store_chooses_postgres_from_the_url() -> None:
    store = open_store(PG_URL)
    assert isinstance(store, PostgresStore)


async def test_stores_opening_together_apply_each_migration_once(
    schema: str, open_pg: OpenStore
) -> None:
    stores = await asyncio.gather(*(open_pg() for _ in range(4)))
    bundled = [v for v, _ in migrations()]
    # numbers are handed out per piece of work, so there may be gaps; each applies once
    assert bundled[0] == 1 and bundled == sorted(set(bundled))
    rows = await stores[0]._fetch("SELECT version FROM schema_migrations ORDER BY 1")
    assert [r[0] for r in rows] == bundled
    for s in stores:
        assert await s.schema_version() == bundled[-1]
        assert await s.pending_migrations() == []


async def test_the_audit_table_refuses_edits_and_deletes(open_pg: OpenStore) -> None:
    store = await open_pg()
    await store.audit(rec())
    async with store.pool.acquire() as conn:
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("UPDATE audit SET actor = 'mallory'")
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("DELETE FROM audit")


async def test_concurrent_writers_from_two_stores_keep_one_valid_chain(
    open_pg: OpenStore,
) -> None:
    a, b = await open_pg(), await open_pg()
    await asyncio.gather(*(s.audit(rec(f"test.{n}")) for n in range(40) for s in (a, b)))
    head = await a.audit_head()
    assert head is not None and head[0] == 80
    result = await verify_chain(b.iter_audit(), head)
    assert result.ok and result.checked == 80


async def _kill_pool_connections(store: PostgresStore) -> int:
    """Terminate every connection of the store's pool from outside (as a failover would)."""
    held = [await store.pool.acquire() for _ in range(store.pool.get_max_size())]
    pids = [conn.get_server_pid() for conn in held]
    for conn in held:
        await store.pool.release(conn)
    admin = await asyncpg.connect(PG_URL)
    try:
        killed = await admin.fetchval(
            "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE pid = ANY($1::int[])) k",
            pids,
        )
    finally:
        await admin.close()
    return int(killed)


async def test_a_lost_connection_is_retried_and_loses_nothing(open_pg: OpenStore) -> None:
    store = await open_pg(pool_min=2, pool_max=2)
    await seed_regions(store)
    assert await _kill_pool_connections(store) == 2
    # reads and writes both go through after the pool reconnects
    assert await store.count_regions() > 0
    assert await _kill_pool_connections(store) == 2
    assert await store.record_inbound("tg", "update-1") is True
    assert await _kill_pool_connections(store) == 2
    assert await store.record_inbound("tg", "update-1") is False
    [g] = await add_groups(store, [group(f"{TAJUR}.RW001.RT001", "-1")])
    assert (await store.get_group(g.id)).address == "-1"


async def test_an_unreachable_server_fails_clearly_after_the_retry_window() -> None:
    store = PostgresStore(
        "postgresql://postgres@127.0.0.1:1/test", PgOptions(retry_for=0.3, connect_timeout=0.5)
    )
    started = time.monotonic()
    with pytest.raises(TransientError, match="unreachable"):
        await store.open()
    assert time.monotonic() - started < 5


async def test_claims_from_many_stores_never_overlap(open_pg: OpenStore) -> None:
    first = await open_pg()
    await seed_regions(first, rw=4, rt=10)
    await seed_users(first)
    rts = [r.code async for r in first.iter_regions(under=TAJUR) if r.code.count(".RT")]
    await add_groups(first, [group(code, f"-{n}") for n, code in enumerate(rts)])
    dispatch = await new_dispatch(first, {"regions": [TAJUR]})
    await plan_all(first, dispatch.id, 7)
    stores = [first, *[await open_pg() for _ in range(3)]]

    async def drain(store: PostgresStore) -> list[int]:
        got: list[int] = []
        while batch := await store.claim_deliveries("tg", 3, FAR_FUTURE):
            got += [d.id for d in batch]
        return got

    claimed = await asyncio.gather(*(drain(s) for s in stores))
    every = [i for batch in claimed for i in batch]
    assert len(every) == len(set(every)) == len(rts)
    assert (await first.queue_depth()) == {("tg", "sending"): len(rts)}


async def test_a_lease_has_one_holder_and_moves_when_it_expires(open_pg: OpenStore) -> None:
    store = await open_pg()
    one, two = PgCoordinator(store), PgCoordinator(store)
    assert one.holder != two.holder
    assert await one.acquire("account:tg", 0.5)
    assert not await two.acquire("account:tg", 0.5)
    assert await one.acquire("account:tg", 0.5)  # renewal
    assert (await one.holders())["account:tg"][0] == one.holder
    await asyncio.sleep(0.6)
    assert await two.acquire("account:tg", 5)  # expired: taken over
    assert not await one.acquire("account:tg", 5)
    await two.release("account:tg")
    assert await one.acquire("account:tg", 5)  # released: free at once


async def test_notify_wakes_listeners_in_other_processes(open_pg: OpenStore) -> None:
    writer, reader = await open_pg(), await open_pg()
    await seed_regions(writer)
    await seed_users(writer)
    await add_groups(writer, [group(f"{TAJUR}.RW001.RT001", "-1")])
    heard: list[str] = []
    got = asyncio.Event()

    def on_work(kind: str) -> None:
        heard.append(kind)
        got.set()

    coordinator = PgCoordinator(reader)
    await coordinator.start(on_work)
    try:
        dispatch = await new_dispatch(writer, {"regions": [TAJUR]})
        await asyncio.wait_for(got.wait(), 5)
        assert heard == ["plan"]
        got.clear()
        await plan_all(writer, dispatch.id, 100)
        await asyncio.wait_for(got.wait(), 5)
        assert "send" in heard
    finally:
        await coordinator.stop()
