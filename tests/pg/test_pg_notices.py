"""Notices across processes sharing PostgreSQL (issue 12, point 2): a notice queued anywhere
NOTIFYs ``notice:<account>``, which wakes the sender of that account in the process holding its
lease; a process without the lease never sends the account's notices."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from adapters.scripted import ScriptedAdapter
from broadcaster.app import App
from broadcaster.coordination import account_lease
from broadcaster.engine import Engine
from broadcaster.engine.work import WorkSignal
from broadcaster.store.postgres.coordination import PgCoordinator
from tests.conftest import PG_URL, make_settings
from tests.pg.conftest import OpenStore
from tests.seed import seed_regions, seed_users

CHAT = "-100777"


@asynccontextmanager
async def _process(folder: Path, schema: str) -> AsyncIterator[Engine]:
    """One broadcaster process on the shared schema: its own store, adapters and engine.
    ``idle_poll`` is far longer than any wait here: only a wake-up can explain a quick send."""
    settings = make_settings(
        folder,
        store={"url": PG_URL, "schema": schema, "lease_ttl": 3.0, "pool_max": 4},
        engine={"idle_poll": 60.0},
    )
    async with App(settings) as app:
        for adapter in app.adapters.values():
            await adapter.start()
        engine = Engine(app.store, app.settings, app.adapters, with_scheduler=False)
        await engine.start()
        try:
            yield engine
        finally:
            await engine.stop()
            for adapter in app.adapters.values():
                await adapter.stop()


def _notices(engine: Engine) -> list[tuple[str, str]]:
    adapter = engine.adapters["scripted"]
    assert isinstance(adapter, ScriptedAdapter)
    return adapter.notices


async def test_notify_names_the_account_and_wakes_only_its_sender(open_pg: OpenStore) -> None:
    writer, reader = await open_pg(), await open_pg()
    work = WorkSignal()
    mine, other = asyncio.Event(), asyncio.Event()
    work.add_sender(asyncio.Event(), "tg", mine)
    work.add_sender(asyncio.Event(), "wa", other)
    coordinator = PgCoordinator(reader)
    await coordinator.start(work.remote)
    try:
        await writer.add_notice("tg", CHAT, "Selamat datang")
        await asyncio.wait_for(mine.wait(), 5)
        assert not other.is_set()
    finally:
        await coordinator.stop()


async def test_only_the_lease_holder_sends_an_accounts_notices(
    tmp_path: Path, schema: str, open_pg: OpenStore
) -> None:
    web = await open_pg()  # a third process queueing the notice, as the web layer would
    await seed_regions(web)
    await seed_users(web)
    async with AsyncExitStack() as stack:
        first = await stack.enter_async_context(_process(tmp_path / "a", schema))
        second = await stack.enter_async_context(_process(tmp_path / "b", schema))
        assert account_lease("scripted") in first.leases.held
        assert account_lease("scripted") not in second.leases.held
        await asyncio.sleep(0.3)  # both senders past their first look for notices
        await web.add_notice("scripted", CHAT, "Grup telah disetujui")
        deadline = time.monotonic() + 10
        while not _notices(first) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert _notices(first) == [(CHAT, "Grup telah disetujui")]
        await web.add_notice("scripted", CHAT, "kedua")
        assert await second.send_notices() == 0  # no lease: not this process's to send
        assert _notices(second) == []
        while len(_notices(first)) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert [t for _, t in _notices(first)] == ["Grup telah disetujui", "kedua"]
