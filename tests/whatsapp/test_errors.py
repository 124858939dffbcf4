"""Every Cloud API error code in adapters/whatsapp/errors.py not covered by test_send.py, through
the real adapter and emulator (Meta's exact bodies) or, for answers the emulator never gives (no
answer, a proxy's HTML page), through a real HTTP server playing that answer."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

from adapters.sandbox.whatsapp import Fault
from adapters.whatsapp import WhatsAppAdapter
from adapters.whatsapp.errors import delivery_error
from broadcaster.adapter import AdapterContext, ChannelMessage
from broadcaster.errors import (
    DeliveryError,
    PermanentError,
    RateLimited,
    TransientError,
)
from broadcaster.store.contract import Store

from .conftest import AdapterFactory, free_port
from .test_send import opted_in

TEXT = ChannelMessage("text", {"body": "halo"})
RESIDENT = "6281234567890"


@pytest.mark.parametrize(
    ("code", "error", "wait"),
    [
        (131057, RateLimited, 60.0),  # account in maintenance mode
        (4, RateLimited, 60.0),  # app API call limit
        (80007, RateLimited, 60.0),  # WABA rate limit
        (131000, TransientError, None),  # "something went wrong" (HTTP 500)
        (1, TransientError, None),  # API unknown
        (2, TransientError, None),  # API service (HTTP 503)
        (132000, PermanentError, None),  # template parameter count
        (132001, PermanentError, None),  # template does not exist
        (132018, PermanentError, None),  # template parameter text
    ],
)
async def test_more_codes_map_once(
    make_adapter: AdapterFactory,
    db: Store,
    code: int,
    error: type[DeliveryError],
    wait: float | None,
) -> None:
    wa = await make_adapter(state=db)
    to = await opted_in(wa, db)
    wa.sandbox.state.faults.append(Fault(code))
    with pytest.raises(error) as caught:
        await wa.send(TEXT, to)
    assert type(caught.value) is error  # e.g. not a PermanentError subclass by accident
    assert caught.value.provider_code == str(code)
    assert f"(#{code})" in str(caught.value)  # Meta's message travels with the error
    if wait is not None:
        assert isinstance(caught.value, RateLimited) and caught.value.retry_after == wait
    # the fault was one-off: the next send goes through
    assert (await wa.send(TEXT, to)).message_id.startswith("wamid.")


async def test_details_are_kept_and_unknown_codes_are_permanent() -> None:
    body = {
        "error": {
            "code": 131053,
            "message": "(#131053) Media upload error",
            "error_data": {"details": "Unable to download the media"},
        }
    }
    error = delivery_error(400, body)
    assert type(error) is PermanentError and error.provider_code == "131053"
    assert str(error) == "(#131053) Media upload error: Unable to download the media"


@dataclass
class Proxy:
    """What the stand-in server answers every POST with (status, text/html body)."""

    url: str
    status: int = 502
    text: str = "<html>Bad Gateway</html>"


@pytest.fixture
async def proxy() -> AsyncIterator[Proxy]:
    """A real HTTP server in front of nothing, answering like a load balancer or proxy between
    us and Meta would: an HTML page, no Graph API error body."""
    port = free_port()
    state = Proxy(f"http://127.0.0.1:{port}")

    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=state.status, text=state.text, content_type="text/html")

    app = web.Application()
    app.router.add_post("/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield state
    await runner.cleanup()


@contextlib.asynccontextmanager
async def real_account(
    tmp_path: Path, base_url: str, monkeypatch: pytest.MonkeyPatch, db: Store
) -> AsyncIterator[WhatsAppAdapter]:
    """A non-sandbox account (token and app secret from the environment) on ``base_url``; the
    resident RESIDENT wrote a minute ago (their window is open: free-form text goes)."""
    await db.touch_window("wa", RESIDENT, time.time() - 60)
    monkeypatch.setenv("WA_TOKEN_TEST", "EAAG-test")
    monkeypatch.setenv("WA_SECRET_TEST", "app-secret")
    settings = {
        "phone_number_id": "1234567890",
        "token_env": "WA_TOKEN_TEST",
        "app_secret_env": "WA_SECRET_TEST",
        "base_url": base_url,
    }
    adapter = WhatsAppAdapter(AdapterContext("wa", settings, tmp_path, db))
    await adapter.start()
    try:
        yield adapter
    finally:
        await adapter.stop()


@pytest.mark.parametrize(
    ("status", "error"),
    [(502, TransientError), (503, TransientError), (429, TransientError), (400, PermanentError)],
)
async def test_answers_without_a_graph_body(
    proxy: Proxy,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    db: Store,
    status: int,
    error: type[DeliveryError],
) -> None:
    proxy.status, proxy.text = status, f"<html>{status}</html>"
    async with real_account(tmp_path, proxy.url, monkeypatch, db) as wa:
        with pytest.raises(error) as caught:
            await wa.send(TEXT, RESIDENT)
    assert type(caught.value) is error and caught.value.provider_code == str(status)
    assert f"<html>{status}</html>" in str(caught.value)


async def test_no_answer_is_transient(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: Store
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    async with real_account(tmp_path, closed, monkeypatch, db) as wa:
        with pytest.raises(TransientError, match=r"no answer: \w*Connect\w*Error: "):
            await wa.send(TEXT, RESIDENT)
