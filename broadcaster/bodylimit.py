"""At most ``http.max_body`` bytes of any request body are read: webhooks, forms and the API.

An ASGI middleware on the service's HTTP app (so every route, mounted adapter webhooks
included, is covered without each remembering to check):

* a ``Content-Length`` above the limit is answered 413 before the application runs, so not one
  byte of that body is read (a client that sent ``Expect: 100-continue`` never sends it);
* a body without a length (chunked) is counted as the application reads it; the read that goes
  past the limit is answered 413 here, and the application is told the client disconnected, so
  it stops reading (what it then does or answers is dropped).

Webhook routes check their signature *header* before they read the body at all, so an unsigned
request costs nothing whatever its size (see the adapters' ``webhook.py``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the config reads DEFAULT_MAX_BODY: no web framework for that
    from starlette.exceptions import HTTPException
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_MAX_BODY = 1024 * 1024  # 1 MiB: a webhook batch or a form is a few kilobytes


def too_large(limit: int) -> HTTPException:
    """The 413 (its ``detail`` is the message sent)."""
    from starlette.exceptions import HTTPException

    return HTTPException(413, f"request body larger than {limit} bytes (http.max_body)")


class BodyLimit:
    """``app`` reading at most ``max_body`` bytes of each request body."""

    def __init__(self, app: ASGIApp, max_body: int = DEFAULT_MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_body
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await self._refuse(send, 400, "Content-Length is not a number")
                    return
                if declared > limit:
                    await self._refuse(send, 413, str(too_large(limit).detail))
                    return
        read = 0
        started = refused = False

        async def bounded_receive() -> Message:
            nonlocal read, started, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > limit:
                    # answer 413 now and tell the application the client is gone: it stops
                    # reading wherever it is (form parser, JSON body, a webhook's body())
                    refused = True
                    if not started:
                        started = True
                        await self._refuse(send, 413, str(too_large(limit).detail))
                    return {"type": "http.disconnect"}
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 went out already; whatever the application says is moot
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, bounded_receive, watched_send)
        except Exception:
            if not refused:
                raise
            # the application failed on the "disconnect" it was handed: answered already

    @staticmethod
    async def _refuse(send: Send, status: int, detail: str) -> None:
        body = json.dumps({"detail": detail}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


__all__ = ["DEFAULT_MAX_BODY", "BodyLimit", "too_large"]
