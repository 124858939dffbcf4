"""Issue 11.2: webhook bodies are not read before the signature header is checked, no request
body is read past ``http.max_body`` (413), and an odd signature header is a 401, never a 500.

The app is driven through ASGI with a body that is produced lazily (200 MB on demand) and
counted as the application pulls it, so "not read" is measured, not assumed; one test speaks
HTTP to a real uvicorn server and gets its answer before sending any of the body."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from broadcaster.http import create_http_app
from tests.core.harness import Rig, rig
from tests.web.live import free_port
from tests.whatsapp.conftest import serve

MiB = 1024 * 1024
HUGE = 200 * MiB
CHUNK = 64 * 1024
ACCOUNTS = {
    "scripted": {"adapter": "scripted"},
    "gw": {"adapter": "waha", "sandbox": True},
    "wa": {"adapter": "whatsapp", "sandbox": True, "template": "pengumuman_resmi"},
}


@dataclass
class Sent:
    status: int
    pulled: int  # body bytes the application asked for


async def call(
    app: Any, path: str, headers: dict[str, bytes], size: int, method: str = "POST"
) -> Sent:
    """One request whose body (``size`` bytes, chunked, made on demand) is counted as read."""
    pulled = 0
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        if pulled >= size:
            await asyncio.sleep(3600)  # a client that has nothing more to send
        chunk = min(CHUNK, size - pulled)
        pulled += chunk
        return {"type": "http.request", "body": b"x" * chunk, "more_body": pulled < size}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode(), v) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    await asyncio.wait_for(app(scope, receive, send), 30)
    return Sent(status, pulled)


@pytest.fixture
async def hooks(tmp_path: Path) -> AsyncIterator[Rig]:
    async with rig(tmp_path, accounts=ACCOUNTS) as r:
        yield r


async def test_unsigned_or_malformed_webhooks_are_refused_unread(hooks: Rig) -> None:
    app = create_http_app(hooks.engine)
    for path, headers in (
        ("/hooks/gw/waha", {}),
        ("/hooks/wa/whatsapp", {}),
        ("/hooks/gw/waha", {"X-Webhook-Hmac": b"not-hex"}),
        ("/hooks/wa/whatsapp", {"X-Hub-Signature-256": b"sha256=abc"}),
        # non-ASCII signature headers: a 401, not a 500 with a traceback
        ("/hooks/gw/waha", {"X-Webhook-Hmac": "é".encode() * 64}),
        ("/hooks/wa/whatsapp", {"X-Hub-Signature-256": b"sha256=" + "ü".encode() * 32}),
    ):
        sent = await call(app, path, headers, HUGE)
        assert sent.status == 401, (path, headers, sent)
        assert sent.pulled == 0, (path, headers, sent)


async def test_signed_looking_bodies_are_read_up_to_max_body(hooks: Rig) -> None:
    app = create_http_app(hooks.engine)
    well_formed = {
        "/hooks/gw/waha": {"X-Webhook-Hmac": b"a" * 128},
        "/hooks/wa/whatsapp": {"X-Hub-Signature-256": b"sha256=" + b"b" * 64},
    }
    for path, headers in well_formed.items():
        streamed = await call(app, path, headers, HUGE)
        assert streamed.status == 413, (path, streamed)
        assert streamed.pulled <= MiB + CHUNK, (path, streamed)
        # a declared length beyond the limit is refused before anything is read
        declared = await call(app, path, {**headers, "Content-Length": str(HUGE).encode()}, HUGE)
        assert (declared.status, declared.pulled) == (413, 0), path
        # within the limit the signature is checked as before: wrong → 403
        small = await call(app, path, headers, 2048)
        assert small.status == 403, (path, small)


async def test_forms_and_the_api_are_limited_too(tmp_path: Path) -> None:
    async with rig(tmp_path, http={"max_body": 64 * 1024}) as r:
        app = create_http_app(r.engine)
        form = {"Content-Type": b"application/x-www-form-urlencoded"}
        login = await call(app, "/login", form, HUGE)
        assert login.status == 413 and login.pulled <= 64 * 1024 + CHUNK
        api = await call(app, "/api/v1/announcements", {"Content-Type": b"application/json"}, HUGE)
        assert api.status == 413 and api.pulled <= 64 * 1024 + CHUNK


async def test_a_real_server_answers_before_the_body_is_sent(hooks: Rig) -> None:
    port = free_port()
    async with serve(hooks.engine, port):
        for headers, expected in (
            (b"Transfer-Encoding: chunked", b" 401 "),  # unsigned, endless chunks
            (b"X-Webhook-Hmac: " + b"a" * 128 + f"\r\nContent-Length: {HUGE}".encode(), b" 413 "),
        ):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"POST /hooks/gw/waha HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n\r\n")
            await writer.drain()
            # not one byte of the 200 MB body is sent: the answer must come anyway
            status_line = await asyncio.wait_for(reader.readline(), 10)
            writer.close()
            assert expected in status_line, status_line
