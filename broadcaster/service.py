"""``broadcaster run``: adapters, engine, scheduler and the HTTP app in one process.

``[service] roles`` (or ``--role``) picks what this process does; see :mod:`.engine.engine`.

SIGINT/SIGTERM: stop claiming, let in-flight sends finish and flush, close everything, exit 0
within seconds whatever is held or paused (no wait for a rate limiter, a hold or a slow send;
see :mod:`.engine.sender`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import uvicorn

from .app import App
from .checkpoint_publisher import publish_checkpoints
from .config import Settings
from .engine import Engine
from .http import create_http_app
from .inbox import load_salt
from .store.owner import owning_store

log = logging.getLogger(__name__)


class _QuietServer(uvicorn.Server):
    """uvicorn without its own signal handling: our handlers drain the engine first, then
    stop the HTTP server."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


Hook = Callable[[App, Engine], Awaitable[None]]


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's forwarded-header options: ``X-Forwarded-For``/``-Proto`` are believed only
    from ``http.forwarded_allow_ips``. uvicorn's own default trusts 127.0.0.1 (or
    $FORWARDED_ALLOW_IPS), which let any local client forge its address past the login
    throttle; with the list empty the headers are ignored altogether."""
    allowed = settings.http.forwarded_allow_ips
    if not allowed:
        return {"proxy_headers": False, "forwarded_allow_ips": ""}
    return {"proxy_headers": True, "forwarded_allow_ips": list(allowed)}


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
    loop = asyncio.get_running_loop()
    asked = asyncio.Event()  # a stop asked for while starting: start, then stop at once
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, asked.set)
    async with (
        owning_store(settings.store.url, roles.has_role("sender") or roles.has_role("scheduler")),
        App(settings, role="+".join(settings.service.roles)) as app,
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
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, engine.stopping.set)
        if asked.is_set():
            engine.stopping.set()
        await engine.start()
        # the ~10^5 objects alive after start-up (modules, adapters, templates) never die:
        # moved out of the collector's reach, full collections stop walking them, which is
        # what made webhook p99 latency an order of magnitude above p50
        gc.collect()
        gc.freeze()
        server: uvicorn.Server | None = None
        server_task: asyncio.Task[None] | None = None
        publisher: asyncio.Task[None] | None = None
        if settings.audit.checkpoint_every_minutes > 0 and settings.service.has_role("scheduler"):
            secret = load_salt(settings.service.data_dir)
            publisher = asyncio.create_task(
                publish_checkpoints(app.store, settings.audit, secret, engine.stopping),
                name="audit-checkpoints",
            )
        # the hoax desk's retention purge, by the one process that holds the scheduler role
        hoax_purge: asyncio.Task[None] | None = None
        if settings.service.has_role("scheduler"):
            from .hoaxdesk.housekeeping import purge_reports

            hoax_purge = asyncio.create_task(
                purge_reports(
                    app.store,
                    settings.hoax,
                    engine.stopping,
                    data_dir=settings.service.data_dir,
                ),
                name="hoax-purge",
            )
        if http_app is not None:
            config = uvicorn.Config(
                http_app,
                host=settings.http.host,
                port=settings.http.port,
                log_level="warning",
                lifespan="off",
                **proxy_options(settings),
                # open dashboard event streams must not hold the exit up
                timeout_graceful_shutdown=3,
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
            engine.stopping.set()
            if publisher is not None:
                await publisher
            if hoax_purge is not None:
                await hoax_purge
            await engine.stop()
            if server is not None and server_task is not None:
                server.should_exit = True
                await server_task
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
