"""``broadcaster run``: adapters, engine, scheduler and the HTTP app in one process.

``[service] roles`` (or ``--role``) picks what this process does; see :mod:`.engine.engine`.

SIGINT/SIGTERM: stop claiming, let in-flight sends finish and flush, close everything, exit 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Awaitable, Callable, Iterator

import uvicorn

from .app import App
from .config import Settings
from .engine import Engine
from .http import create_http_app
from .store.owner import owning_store

log = logging.getLogger(__name__)


class _QuietServer(uvicorn.Server):
    """uvicorn without its own signal handling: our handlers drain the engine first, then
    stop the HTTP server."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


Hook = Callable[[App, Engine], Awaitable[None]]


def use_fast_event_loop() -> None:
    """Run the service on uvloop when it is installed (about twice the requests per second
    on the webhook path); the standard loop otherwise."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency, but optional in spirit
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


async def serve(settings: Settings, on_started: Hook | None = None) -> None:
    """Run until SIGINT/SIGTERM (or until ``on_started`` returns, when it sets ``stopping``).
    A SQLite store is held exclusively by a process with the sender or scheduler role
    (:mod:`.store.owner`): a second such service on it stops at once with Conflict."""
    roles = settings.service
    async with (
        owning_store(settings.store.url, roles.has_role("sender") or roles.has_role("scheduler")),
        App(settings) as app,
        contextlib.AsyncExitStack() as stack,
    ):
        engine = Engine(app.store, settings, app.adapters)
        # web processes are stateless (everything lives in the store), so there may be many;
        # the HTTP app is built first, so routes that cannot be served (a webhook without its
        # secret) stop the start before anything runs
        serves_http = settings.http.enabled and settings.service.has_role("web")
        http_app = create_http_app(engine) if serves_http else None
        for adapter in app.adapters.values():
            await stack.enter_async_context(adapter)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, engine.stopping.set)
        await engine.start()
        # the ~10^5 objects alive after start-up (modules, adapters, templates) never die:
        # moved out of the collector's reach, full collections stop walking them, which is
        # what made webhook p99 latency an order of magnitude above p50
        gc.collect()
        gc.freeze()
        server: uvicorn.Server | None = None
        server_task: asyncio.Task[None] | None = None
        if http_app is not None:
            config = uvicorn.Config(
                http_app,
                host=settings.http.host,
                port=settings.http.port,
                log_level="warning",
                lifespan="off",
            )
            server = _QuietServer(config)
            server_task = asyncio.create_task(server.serve(), name="http")
        log.info(
            "broadcaster running as %s (%s): accounts %s, http %s",
            ",".join(settings.service.roles),
            engine.coordinator.holder,
            ", ".join(sorted(app.adapters)) or "(none)",
            f"http://{settings.http.host}:{settings.http.port}" if server else "off",
        )
        try:
            if on_started is not None:
                await on_started(app, engine)
            await engine.stopping.wait()
        finally:
            log.info("stopping: finishing in-flight sends")
            await engine.stop()
            if server is not None and server_task is not None:
                server.should_exit = True
                await server_task
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
