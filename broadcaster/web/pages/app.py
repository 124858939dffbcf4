"""The dashboard application (mounted at ``/``)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

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
