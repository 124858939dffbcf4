"""/lapor's rate limit holds across web processes: the count lives in the store, so a process
that has seen none of an address's reports (another process, or this one restarted) still
refuses the one over the limit. Real HTTP app, real SQLite."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from broadcaster.http import create_http_app
from broadcaster.web.lapor import PER_ADDRESS, WINDOW_SECONDS, SharedLimiter
from tests.core.harness import rig
from tests.web.test_lapor_form import HOAX, PLAIN_HTTP, token_of


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROADCASTER_SECRET", "uji-rahasia-lapor-yang-panjang")


async def test_a_process_that_saw_none_of_the_reports_still_refuses(tmp_path: Path) -> None:
    async with rig(tmp_path, web=PLAIN_HTTP) as r:
        first = create_http_app(r.engine)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=first), base_url="http://testserver"
        ) as web:
            csrf = token_of((await web.get("/lapor")).text)
            for n in range(PER_ADDRESS):
                ok = await web.post("/lapor", data={"csrf_token": csrf, "text": f"{HOAX} {n}"})
                assert ok.status_code == 200
        # a second web process: its own app, its own memory, the same store
        second = create_http_app(r.engine)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=second), base_url="http://testserver"
        ) as web:
            csrf = token_of((await web.get("/lapor")).text)
            refused = await web.post("/lapor", data={"csrf_token": csrf, "text": "satu lagi"})
            assert refused.status_code == 429
            assert 0 < int(refused.headers["Retry-After"]) <= WINDOW_SECONDS
        cases = await r.app.store.list_hoax_cases()
        assert sum(c.reports for c in cases) == PER_ADDRESS
        # nothing in the store names the address itself
        key = SharedLimiter.key("127.0.0.1")
        assert "127.0.0.1" not in key
        assert len(await r.app.store.throttle_events_since(key, 0)) == PER_ADDRESS


async def test_the_window_slides_and_addresses_are_separate(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        limiter = SharedLimiter(r.app.store, limit=2, window=60)
        await limiter.hit("10.0.0.1", now=1000)
        await limiter.hit("10.0.0.1", now=1010)
        assert await limiter.retry_after("10.0.0.1", now=1020) == pytest.approx(40)
        assert await limiter.retry_after("10.0.0.2", now=1020) == 0
        assert await limiter.retry_after("10.0.0.1", now=1060) == 0  # the first left the window
