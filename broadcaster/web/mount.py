"""Mount the dashboard and the API on the service's HTTP app (one call from
:func:`broadcaster.http.create_http_app`)."""

from __future__ import annotations

from fastapi import FastAPI

from ..engine import Engine
from .api.app import create_api
from .context import WebContext
from .pages.app import create_pages


def mount_web(app: FastAPI, engine: Engine) -> WebContext | None:
    """``/api/v1`` (JSON API) and ``/`` (dashboard, /v/CODE, /static), unless ``[web]`` is
    disabled. The dashboard is mounted last, so every route the app already has wins."""
    if not engine.settings.web.enabled:
        return None
    ctx = WebContext.build(engine.store, engine.settings, engine.adapters)

    # pick a new schedule up at once instead of at the scheduler's next sync
    ctx.on_schedule = engine.work.schedules_changed
    # an emergency submitted here reaches the on-call alerter at once (broadcaster.oncall)
    ctx.workflow.on_alert = engine.work.wants_alerts
    app.mount("/api/v1", create_api(ctx))
    app.mount("/", create_pages(ctx))
    return ctx
