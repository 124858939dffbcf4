"""The hoax desk's figures in /metrics: reports today, open cases, median time to a confirmed
verdict (read from the store on each scrape)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import httpx

from broadcaster.adapter import InboundEvent
from broadcaster.hoaxdesk import verdicts
from broadcaster.http import create_http_app
from tests.core.harness import rig


def gauge(text: str, name: str) -> float:
    found = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    assert found, f"{name} missing"
    return float(found.group(1))


async def test_hoax_figures_in_metrics(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        for n, text in enumerate(["Vaksin mengandung chip pelacak dari luar negeri", "Tol gratis"]):
            event = InboundEvent(
                kind="report",
                account="scripted",
                event_id=f"e{n}",
                address=f"chat-{n}",
                data={"user": f"u{n}", "text": text, "direct": True},
            )
            await r.engine.inbox.handle(event)
        transport = httpx.ASGITransport(app=create_http_app(r.engine))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            text = (await client.get("/metrics")).text
            assert gauge(text, "broadcaster_hoax_reports_today") == 2
            assert gauge(text, "broadcaster_hoax_open_cases") == 2
            assert math.isnan(gauge(text, "broadcaster_hoax_verdict_median_seconds"))
            [case, _] = await r.app.store.list_hoax_cases()
            await verdicts.propose(
                r.app.store,
                case.id,
                label="hoaks",
                explanation="Tidak ada chip dalam vaksin.",
                sources=[],
                acting="verifier",
            )
            await verdicts.confirm(r.app.store, case.id, acting="verifier2", public_url="http://x")
            text = (await client.get("/metrics")).text
            assert gauge(text, "broadcaster_hoax_open_cases") == 1
            median = gauge(text, "broadcaster_hoax_verdict_median_seconds")
            assert 0 < median < 60  # reported and confirmed within this test
