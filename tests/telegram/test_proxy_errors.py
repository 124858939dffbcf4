"""A proxy in front of the Bot API answering 502 with an HTML page (issue 10, point 19): each
retried failure is one log line, never PTB's traceback and the page. A real HTTP server on
127.0.0.1 plays the proxy."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from adapters.telegram.drivers import DriverOptions, make_driver
from adapters.telegram.inbound import TelegramInbound
from broadcaster.errors import TransientError

PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"


@pytest.fixture
async def proxy() -> AsyncIterator[str]:
    async def bad_gateway(request: web.Request) -> web.Response:
        return web.Response(status=502, text=PAGE, content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", bad_gateway)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


def _options(url: str) -> DriverOptions:
    return DriverOptions(
        base_url=url, request_timeout=5, pool_size=4, paid_broadcast=False, link_preview=False
    )


@pytest.mark.parametrize("name", ["ptb", "aiogram"])
async def test_a_502_page_is_a_transient_error_logged_in_one_line(
    proxy: str, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    driver = make_driver(name, TOKEN, _options(proxy))  # type: ignore[arg-type]
    caplog.set_level(logging.DEBUG)
    try:
        for _ in range(3):
            with pytest.raises(TransientError) as caught:
                await driver.send_text(-1001234567890, "Uji", None)
            if name == "ptb":  # aiogram keeps no status for an answer it cannot decode
                assert caught.value.provider_code == "502"
            assert "<html>" not in str(caught.value) and "\n" not in str(caught.value)
    finally:
        await driver.stop()
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]
    assert all("\n" not in r.getMessage() for r in caplog.records)


async def test_long_polling_through_a_502_logs_one_line_per_retry(
    proxy: str, caplog: pytest.LogCaptureFixture
) -> None:
    driver = make_driver("ptb", TOKEN, _options(proxy))
    inbound = TelegramInbound("tg", lambda: driver)
    caplog.set_level(logging.DEBUG)

    async def sink(event: object) -> None:
        raise AssertionError("no update can arrive through a broken proxy")

    task = asyncio.create_task(inbound.poll(sink))
    await asyncio.sleep(2.5)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await driver.stop()
    failures = [r for r in caplog.records if "receiving updates failed" in r.getMessage()]
    assert failures, [r.getMessage() for r in caplog.records]
    assert all("Bad Gateway (502)" in r.getMessage() for r in failures)
    assert not [r for r in caplog.records if r.exc_info]
    assert all("\n" not in r.getMessage() for r in caplog.records)
