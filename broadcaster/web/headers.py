"""Security headers on every answer of the service's HTTP app: a Content-Security-Policy (an
answer that sets its own keeps it: the dashboard, the API docs and the email vote pages do),
``X-Content-Type-Options: nosniff`` and ``X-Frame-Options: DENY`` (except under ``/embed/``:
the portal's embeddable blocks are made to be framed by regency and village websites; they set
their own policy with ``frame-ancestors *``, see :func:`framable`).

The default policy allows nothing to load or run (``default-src 'none'``): JSON, metrics and
plain-text answers need nothing, and a browser that is tricked into rendering one as HTML runs
no script from it.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
EMBED_PREFIX = "/embed/"


def framable(path: str) -> bool:
    """Answers other sites may show in a frame: the portal's embeddable blocks only."""
    return path.startswith(EMBED_PREFIX)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        frames_ok = framable(str(scope.get("path", "")))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", DEFAULT_CSP)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if not frames_ok:
                    headers.setdefault("X-Frame-Options", "DENY")
            await send(message)

        await self.app(scope, receive, with_headers)


__all__ = ["DEFAULT_CSP", "EMBED_PREFIX", "SecurityHeaders", "framable"]
