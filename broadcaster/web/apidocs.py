"""The API's interactive documentation (``/api/v1/docs``), served entirely by this service.

The Swagger UI script and stylesheet come from the ``fastapi-offline`` package (MIT; it ships
the Swagger UI distribution), not from a CDN: the page works offline and loads nothing that
could be swapped under it. Its start-up script is our own static file, so the page's
Content-Security-Policy allows scripts from this origin only (Swagger UI needs inline styles
and ``data:`` images).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from .auth import Public

ASSETS = Path(str(files("fastapi_offline") / "static"))
OWN = Path(__file__).resolve().parent / "static"
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'"
)

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="{root}/docs-assets/swagger-ui.css">
</head><body><div id="swagger-ui" data-openapi="{root}/openapi.json"></div>
<script src="{root}/docs-assets/swagger-ui-bundle.js"></script>
<script src="{root}/docs-init.js"></script>
</body></html>
"""


def mount_docs(api: FastAPI, root: str = "/api/v1") -> None:
    """``GET /docs`` (the page), ``/docs-assets/*`` (Swagger UI) and ``/docs-init.js``."""
    html = PAGE.format(title=api.title, root=root)
    init = (OWN / "swagger-init.js").read_bytes()

    anyone = [Depends(Public())]  # public, like FastAPI's own /docs and /openapi.json

    @api.get("/docs", include_in_schema=False, dependencies=anyone)
    async def docs() -> HTMLResponse:
        return HTMLResponse(html, headers={"Content-Security-Policy": DOCS_CSP})

    @api.get("/docs-init.js", include_in_schema=False, dependencies=anyone)
    async def docs_init() -> HTMLResponse:
        return HTMLResponse(init, media_type="text/javascript")

    api.mount("/docs-assets", StaticFiles(directory=ASSETS), name="docs-assets")


__all__ = ["DOCS_CSP", "mount_docs"]
