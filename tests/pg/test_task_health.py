"""An engine task that fails (its store calls fail for good) is down: ``/healthz`` answers 503
naming it and ``/metrics`` shows it; it is restarted, and works again, once the store is back."""

from __future__ import annotations

from pathlib import Path

import httpx

from broadcaster.http import create_http_app
from broadcaster.store.records import DeliveryStatus
from tests.conftest import PG_URL
from tests.core.harness import rig
from tests.pg.cluster import wait_until


async def test_a_failed_task_turns_healthz_503_and_is_restarted(
    tmp_path: Path, schema: str
) -> None:
    store = {"url": PG_URL, "schema": schema, "pool_max": 4, "lease_ttl": 1.0}
    async with rig(tmp_path, store=store) as r:
        transport = httpx.ASGITransport(app=create_http_app(r.engine))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await client.get("/healthz")).status_code == 200
            metrics = (await client.get("/metrics")).text
            assert 'broadcaster_engine_task_up{task="planner"} 1.0' in metrics

            await r.app.store.close()  # every store call now fails at once

            async def planner_down() -> httpx.Response | None:
                health = await client.get("/healthz")
                return health if "planner" in health.json().get("tasks_down", {}) else None

            health = await wait_until(planner_down, 10, "the planner reported down")
            assert health.status_code == 503
            assert "not open" in health.json()["tasks_down"]["planner"]
            metrics = (await client.get("/metrics")).text  # answered though the store is not
            assert 'broadcaster_engine_task_up{task="planner"} 0.0' in metrics
            assert 'broadcaster_engine_task_failures_total{task="planner"}' in metrics

            await r.app.store.open()

            async def healthy() -> bool:
                health = await client.get("/healthz")
                return health.status_code == 200 and health.json()["tasks_down"] == {}

            await wait_until(healthy, 30, "every task restarted")
            metrics = (await client.get("/metrics")).text
            assert 'broadcaster_engine_task_up{task="planner"} 1.0' in metrics

        # the restarted planner and senders do their work
        await r.add_groups(under="3673")
        dispatch = await r.dispatch_now(await r.approved(regions=["3673"]))
        await r.engine.drain(30)
        progress = await r.app.store.dispatch_progress(dispatch.id)
        assert progress.by_status == {DeliveryStatus.sent.value: 6}
