"""The service's HTTP app: health and Prometheus metrics, over a real ASGI round trip."""

from __future__ import annotations

from pathlib import Path

import httpx

from broadcaster.http import create_http_app
from tests.core.harness import rig


async def test_healthz_and_metrics(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        await r.add_groups(under="3673")
        await r.dispatch_now(await r.approved(regions=["3673"]))
        await r.engine.drain(10)
        transport = httpx.ASGITransport(app=create_http_app(r.engine))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            health = await client.get("/healthz")
            assert health.status_code == 200
            body = health.json()
            assert body["status"] == "ok" and body["accounts"] == ["scripted"]
            assert body["schema_version"] >= 1
            metrics = await client.get("/metrics")
            assert metrics.status_code == 200
            text = metrics.text
            sent = (
                'broadcaster_deliveries_total{account="scripted",channel="scripted",status="sent"}'
            )
            assert f"{sent} 6.0" in text
            assert 'broadcaster_queue_depth{account="scripted",status="queued"} 0.0' in text
            assert 'broadcaster_groups{channel="scripted",status="active"} 6.0' in text
            assert "broadcaster_send_latency_seconds_count" in text
            r.engine.stopping.set()
            assert (await client.get("/healthz")).status_code == 503
