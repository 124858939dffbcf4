"""The reach forecast in the API and on the dashboard (issue 15): GET
/api/v1/announcements/{id}/forecast (scoped like every read by id), the block on the
announcement page where a verifier approves, and on the dispatch page while it sends."""

from __future__ import annotations

import asyncio
import time

from content.model import Level
from tests.web.conftest import Web


async def test_api_forecast_is_scoped_and_counts_the_target(web: Web) -> None:
    r = web.rig
    ids = await r.add_groups(under="3671")
    record = await r.approved(regions=["3671"])
    async with web.client("officer") as api:
        response = await api.get(f"/api/v1/announcements/{record.id}/forecast")
    assert response.status_code == 200, response.text
    body = response.json()
    [account] = body["accounts"]
    assert (body["groups"], account["account"], account["groups"]) == (
        len(ids),
        "scripted",
        len(ids),
    )
    assert body["dispatch_id"] is None and body["priority"] == "normal"
    assert set(account["eta_seconds"]) == {"p50", "p95", "p100"}
    # Kota Serang's officer does not see a Kota Tangerang announcement: nothing disclosed
    async with web.client("serang_officer") as api:
        hidden = await api.get(f"/api/v1/announcements/{record.id}/forecast")
    assert hidden.status_code == 404
    async with web.client("officer") as api:
        missing = await api.get("/api/v1/announcements/999999/forecast")
    assert missing.status_code == 404


async def test_pages_show_the_forecast_with_a_held_account(web: Web) -> None:
    r = web.rig
    await r.add_groups(under="3673")
    codes = [region.code async for region in r.app.store.iter_regions("3673", Level.rt)]
    client, _ = await web.login("verifier")
    record = await r.approved(regions=["3673"])
    page = (await client.get(f"/announcements/{record.id}")).text
    assert 'id="forecast"' in page and "Perkiraan jangkauan" in page
    assert 'data-key="scripted"' in page

    # the provider pauses the account for an hour: the dispatch page's forecast says so
    r.adapter().program(f"scripted-{codes[0]}", "rate", retry_after=3600)
    dispatch = await r.dispatch_now(record)
    deadline = time.monotonic() + 10
    while r.engine.senders["scripted"].blocked_until == 0:
        assert time.monotonic() < deadline, "the account was never held"
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # the held outcomes are written
    async with web.client("officer") as api:
        body = (await api.get(f"/api/v1/announcements/{record.id}/forecast")).json()
    assert body["dispatch_id"] == dispatch.id
    [account] = body["accounts"]
    assert account["remaining"] > 0 and account["eta_seconds"]["p100"] > 3000
    assert [w["key"] for w in account["warnings"]] == ["forecast.held_until"]
    page = (await client.get(f"/dispatches/{dispatch.id}")).text
    assert 'id="forecast"' in page and account["warnings"][0]["id"] in page
