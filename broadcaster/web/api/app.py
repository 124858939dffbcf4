"""The API application (mounted at ``/api/v1``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute

from ..apidocs import mount_docs
from ..context import WebContext
from ..errors import HANDLED, problems_of, status_of
from ..schemas import ErrorOut
from . import announcements, dispatches, forecast, groups, hoaxes, inbox, misc, regions, tokens

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text}
    for code, text in (
        (400, "malformed request body"),
        (401, "not authenticated"),
        (403, "role, region scope, read-only token or CSRF token forbids it"),
        (404, "not found"),
        (409, "conflicts with the object's state"),
        (422, "invalid input"),
    )
}


def all_routes(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    """Every APIRoute, also those inside included routers (newer FastAPI wraps them)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from all_routes(inner.routes)


def create_api(ctx: WebContext) -> FastAPI:
    api = FastAPI(
        title="broadcaster API",
        version="1",
        description=(
            "Everything the dashboard does. Authenticate with `Authorization: Bearer <token>` "
            "(create one with `broadcaster web token-add`); a dashboard session cookie also "
            "works, with the `X-CSRF-Token` header on changes."
        ),
        docs_url=None,  # served by .apidocs from the package's assets, not a CDN
        redoc_url=None,
        responses=_ERRORS,
    )
    api.state.web = ctx
    mount_docs(api)
    for module in (
        announcements,
        dispatches,
        forecast,
        groups,
        hoaxes,
        inbox,
        misc,
        regions,
        tokens,
    ):
        api.include_router(module.router)

    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        status = status_of(exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        body = ErrorOut(detail=str(exc), problems=problems_of(exc))
        return JSONResponse(body.model_dump(), status_code=status, headers=headers)

    async def on_invalid(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = [
            f"{'.'.join(str(p) for p in err.get('loc', ()))}: {err.get('msg', '')}"
            for err in exc.errors()
        ]
        body = ErrorOut(detail="invalid request", problems=problems)
        return JSONResponse(body.model_dump(), status_code=422)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette lists only the first matching route's methods; list every route's
            path = request.scope.get("path", "")
            root = request.scope.get("root_path", "")
            local = path[len(root) :] if root and path.startswith(root) else path
            methods = sorted(
                {
                    m
                    for r in all_routes(api.routes)
                    if r.path_regex.match(local)
                    for m in r.methods or ()
                }
            )
            headers["Allow"] = ", ".join(methods)
        body = ErrorOut(detail=str(exc.detail))
        return JSONResponse(body.model_dump(), status_code=exc.status_code, headers=headers)

    for exc_type in HANDLED:
        api.add_exception_handler(exc_type, on_error)
    api.add_exception_handler(StarletteHTTPException, on_http)
    api.add_exception_handler(RequestValidationError, on_invalid)

    default_openapi = api.openapi

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            schema = default_openapi()
            schema.setdefault("components", {})["securitySchemes"] = {
                "bearer": {"type": "http", "scheme": "bearer"}
            }
            schema["security"] = [{"bearer": []}]
            api.openapi_schema = schema
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
    return api
