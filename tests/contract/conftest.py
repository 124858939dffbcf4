"""One started sandbox account per case, shared by a test module (starting an emulator for
every test would make the suite slow). The fixture and the tests that use it share a
module-scoped event loop (``loop_scope="module"``): the adapter's connections belong to it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Router

from adapters.telegram import TelegramAdapter
from broadcaster.adapter import Adapter, AdapterContext, InboundEvent, adapter_class
from tests.telegram.conftest import RELAXED
from tests.web.live import free_port

from .cases import ALL, Case, params

ACCOUNT = "kontrak"


def build(case: Case, data_dir: Path, **extra: Any) -> Adapter:
    """An unstarted adapter for ``case``, found through its entry point as the core does."""
    cls = adapter_class(case.adapter)
    return cls(AdapterContext(ACCOUNT, {**case.settings, **extra}, data_dir))


def mounted(adapter: Adapter, events: list[InboundEvent]) -> Starlette:
    """The adapter's routes mounted the way broadcaster/http.py mounts them, with a sink that
    records every event it is given."""

    async def sink(event: InboundEvent) -> None:
        events.append(event)

    app = Starlette()
    app.mount(f"/hooks/{ACCOUNT}", Router(routes=adapter.http_routes(sink)))
    return app


@contextlib.asynccontextmanager
async def serve(app: Starlette, port: int) -> AsyncIterator[None]:
    """``app`` on 127.0.0.1:port, for an emulator to post its webhooks to."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(250):
        if server.started:
            break
        await asyncio.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        await task


@dataclass
class Live:
    """A started sandbox account and the events its served webhook delivered."""

    case: Case
    adapter: Adapter
    events: list[InboundEvent] = field(default_factory=list)

    async def group(self, title: str) -> str:
        """A new sandbox group, ready to send to: where the emulator announces it by webhook
        (the Cloud API resident's first message), wait until the adapter has seen it."""
        address = await self.adapter.sandbox_group(title)
        if self.case.serve_webhook is not None:
            for _ in range(250):
                if any(e.address == address for e in self.events):
                    break
                await asyncio.sleep(0.02)
            else:
                raise AssertionError(f"no webhook from the emulator about {address}")
        return address


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=params(ALL))
async def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Live]:
    case: Case = request.param
    data_dir = tmp_path_factory.mktemp(case.id)
    async with contextlib.AsyncExitStack() as stack:
        extra: dict[str, Any] = {}
        port = free_port()
        if case.serve_webhook is not None:
            extra["webhook_url"] = f"http://127.0.0.1:{port}/hooks/{ACCOUNT}/{case.serve_webhook}"
        adapter = build(case, data_dir, **extra)
        state = Live(case, adapter)
        if case.serve_webhook is not None:
            await stack.enter_async_context(serve(mounted(adapter, state.events), port))
        await stack.enter_async_context(adapter)
        if isinstance(adapter, TelegramAdapter):
            # several messages to one chat in a row: the emulator's 1/s per chat is not the point
            adapter.sandbox.configure_limits(RELAXED)
        yield state
