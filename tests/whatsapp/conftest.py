"""Fixtures: Cloud API adapters (sandbox accounts) talking HTTP to the real emulator, and a
served broadcaster HTTP app the emulator posts its signed webhooks to."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

import pytest
import uvicorn

from adapters.whatsapp import WhatsAppAdapter
from broadcaster.adapter import AdapterContext
from broadcaster.engine import Engine
from broadcaster.http import create_http_app
from broadcaster.store.contract import ChannelStore, Store
from broadcaster.store.sqlite import SqliteStore


class AdapterFactory(Protocol):
    async def __call__(
        self, *, state: ChannelStore | None = None, **settings: Any
    ) -> WhatsAppAdapter: ...


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
async def make_adapter(tmp_path: Path) -> AsyncIterator[AdapterFactory]:
    started: list[WhatsAppAdapter] = []

    async def factory(*, state: ChannelStore | None = None, **settings: Any) -> WhatsAppAdapter:
        context = AdapterContext("wa", {"sandbox": True, **settings}, tmp_path, state)
        adapter = WhatsAppAdapter(context)
        await adapter.start()
        started.append(adapter)
        return adapter

    yield factory
    for adapter in started:
        await adapter.stop()


@contextlib.asynccontextmanager
async def serve(engine: Engine, port: int) -> AsyncIterator[None]:
    """The service's HTTP app on 127.0.0.1:port (webhooks mounted), for the emulator to call."""
    config = uvicorn.Config(
        create_http_app(engine), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        await task


async def wait_until(check: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    for _ in range(int(within / 0.02)):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Store]:
    """A real SQLite store (adapter tests; the store contract runs per engine elsewhere)."""
    store = SqliteStore(tmp_path / "wa.db")
    await store.open()
    try:
        yield store
    finally:
        await store.close()
