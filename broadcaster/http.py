"""The HTTP app served by ``broadcaster run``: health, metrics, and (later) webhooks and the
dashboard, mounted on the same FastAPI instance."""

from __future__ import annotations

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from starlette.routing import Router

from .engine import Engine
from .store.records import DispatchStatus
from .web.mount import mount_web


def create_http_app(engine: Engine) -> FastAPI:
    app = FastAPI(title="broadcaster", version="0.1.0", docs_url=None, redoc_url=None)
    app.state.engine = engine

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        """200 while the store answers and the engine runs; 503 otherwise."""
        try:
            version = await engine.store.schema_version()
            running = await engine.store.list_dispatches(
                [DispatchStatus.planning, DispatchStatus.sending], limit=1000
            )
            dead_letters = await engine.store.dead_letter_counts()
        except Exception as exc:
            return JSONResponse({"status": "error", "detail": str(exc)}, status_code=503)
        status = "stopping" if engine.stopping.is_set() else "ok"
        return JSONResponse(
            {
                "status": status,
                "schema_version": version,
                "accounts": sorted(engine.senders),
                "running_dispatches": len(running),
                "blocked_accounts": dict(engine.metrics.blocked_accounts),
                # inbound updates skipped so later ones flow (shown, not an outage)
                "inbound_dead_letters": dead_letters,
            },
            status_code=200 if status == "ok" else 503,
        )

    @app.get("/metrics")
    async def metrics() -> Response:
        await engine.refresh_gauges()
        engine.metrics.dead_letters_counted(await engine.store.dead_letter_counts())
        return Response(engine.metrics.render(), media_type="text/plain; version=0.0.4")

    for name, adapter in engine.adapters.items():
        routes = adapter.http_routes(engine.inbox.handle)
        if routes:
            # each adapter's webhook routes authenticate every request before parsing it
            app.mount(f"/hooks/{name}", Router(routes=routes))

    mount_web(app, engine)  # /api/v1 and the dashboard (mounted last: existing routes win)
    return app
