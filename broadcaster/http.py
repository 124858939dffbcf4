"""The HTTP app served by ``broadcaster run``: health, metrics, each adapter's webhooks
(``/hooks/<account>``), the JSON API and the dashboard, mounted on one FastAPI instance."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from starlette.routing import Router

from .bodylimit import BodyLimit
from .checkpoint import current_checkpoint
from .engine import Engine
from .hoaxdesk.stats import hoax_gauges
from .inbox import load_salt
from .store.records import DispatchStatus
from .web.headers import SecurityHeaders
from .web.mount import mount_web

log = logging.getLogger(__name__)


def create_http_app(engine: Engine) -> FastAPI:
    app = FastAPI(title="broadcaster", version="0.1.0", docs_url=None, redoc_url=None)
    app.state.engine = engine

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        """200 while the store answers and every engine task runs; 503 otherwise (a task that
        failed and waits to be restarted is named in ``tasks_down``)."""
        down = dict(engine.supervisor.down)
        try:
            version = await engine.store.schema_version()
            running = await engine.store.list_dispatches(
                [DispatchStatus.planning, DispatchStatus.sending], limit=1000
            )
            dead_letters = await engine.store.dead_letter_counts()
        except Exception as exc:
            return JSONResponse(
                {"status": "error", "detail": str(exc), "tasks_down": down}, status_code=503
            )
        status = "stopping" if engine.stopping.is_set() else "tasks down" if down else "ok"
        return JSONResponse(
            {
                "status": status,
                "schema_version": version,
                "accounts": sorted(engine.senders),
                "running_dispatches": len(running),
                "blocked_accounts": dict(engine.metrics.blocked_accounts),
                "tasks_down": down,
                "held_accounts": dict(engine.metrics.held_accounts),
                # inbound updates skipped so later ones flow (shown, not an outage)
                "inbound_dead_letters": dead_letters,
            },
            status_code=200 if status == "ok" else 503,
        )

    secret = load_salt(engine.settings.service.data_dir)

    @app.get("/audit/head")
    async def audit_head() -> JSONResponse:
        """The signed head of the audit log (sequence, hash, time; no detail), for auditors to
        keep outside the system: see :mod:`broadcaster.checkpoint`. Public."""
        checkpoint = await current_checkpoint(engine.store, secret)
        if checkpoint is None:
            return JSONResponse({"detail": "the audit log is empty"}, status_code=404)
        return JSONResponse(checkpoint.to_json(), headers={"Cache-Control": "no-store"})

    @app.get("/metrics")
    async def metrics() -> Response:
        try:
            await engine.refresh_gauges()
            engine.metrics.dead_letters_counted(await engine.store.dead_letter_counts())
            await hoax_gauges(engine.store, engine.metrics)
        except Exception as exc:  # the store is unreachable: still show what this process knows
            log.warning("metrics: gauges read from the store not refreshed: %s", exc)
        return Response(engine.metrics.render(), media_type="text/plain; version=0.0.4")

    for name, adapter in engine.adapters.items():
        routes = adapter.http_routes(engine.inbox.handle)
        if routes:
            # each adapter's webhook routes authenticate every request before parsing it
            app.mount(f"/hooks/{name}", Router(routes=routes))

    mount_web(app, engine)  # /api/v1 and the dashboard (mounted last: existing routes win)
    # every request body, webhooks and forms included, is read up to http.max_body bytes
    app.add_middleware(BodyLimit, max_body=engine.settings.http.max_body)
    # a Content-Security-Policy (and nosniff, DENY framing) on every answer
    app.add_middleware(SecurityHeaders)
    return app
