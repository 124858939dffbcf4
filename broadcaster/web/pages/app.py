"""The dashboard application (mounted at ``/``)."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ...errors import NotAuthenticated
from ..auth import session_principal
from ..context import WebContext, web_context
from ..errors import HANDLED, problems_of, status_of
from ..headers import framable
from . import (
    announcements,
    cap,
    emergency,
    hoaxes,
    inbox,
    lapor,
    onboarding,
    operations,
    portal,
    public,
    selfservice,
    session,
    tokens,
)
from .render import TEMPLATES, render

STATIC = TEMPLATES.parent / "static"
log = logging.getLogger(__name__)


def create_pages(ctx: WebContext) -> FastAPI:
    pages = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    pages.state.web = ctx
    pages.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (
        session,
        cap,  # before public: /v/CODE.cap.xml must not be taken for the /v/{code} page
        portal,
        public,
        selfservice,
        lapor,
        onboarding,
        announcements,
        emergency,
        operations,
        inbox,
        hoaxes,
        tokens,
    ):
        pages.include_router(module.router)

    async def on_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, NotAuthenticated):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        who = await session_principal(request, web_context(request))
        return render(
            request,
            "error.html",
            who,
            status_code=status_of(exc),
            message=str(exc),
            problems=problems_of(exc),
            status=status_of(exc),
        )

    for exc_type in HANDLED:
        pages.add_exception_handler(exc_type, on_error)
    _html_errors(pages)

    @pages.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        if not framable(request.url.path):
            response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'",
        )
        return response

    return pages


def _html_errors(pages: FastAPI) -> None:
    """Error pages in the reader's language instead of FastAPI's JSON: an unknown address (404),
    a malformed value in the address or form such as a non-numeric id (422) and a fault of ours
    (500). Only the dashboard's pages: ``/api/v1`` is another app and keeps its JSON errors."""

    async def page(request: Request, status: int, kind: str, detail: str = "") -> Response:
        try:
            who = await session_principal(request, web_context(request))
        except Exception:  # the store itself may be what failed: still answer with a page
            who = None
        return render(
            request, "error.html", who, status_code=status, status=status, kind=kind, message=detail
        )

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404:
            return await page(request, 404, "missing")
        response = await page(request, exc.status_code, "http")
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        fields = sorted({str(e.get("loc", ("",))[-1]) for e in exc.errors()})
        return await page(request, 422, "invalid", ", ".join(fields))

    async def crashed(request: Request, exc: Exception) -> Response:
        log.exception("dashboard page %s failed", request.url.path, exc_info=exc)
        return await page(request, 500, "crashed")

    pages.add_exception_handler(StarletteHTTPException, http_error)
    pages.add_exception_handler(RequestValidationError, invalid)
    pages.add_exception_handler(Exception, crashed)
