"""The API and the dispatch page say why deliveries failed or wait (issue 10, point 13)."""

from __future__ import annotations

import asyncio
import time

from content.model import Level
from tests.web.conftest import Web


async def test_api_and_page_show_reasons_and_holds(web: Web) -> None:
    r = web.rig
    await r.add_groups(under="3673")
    codes = [region.code async for region in r.app.store.iter_regions("3673", Level.rt)]
    bad, paused = f"scripted-{codes[0]}", f"scripted-{codes[1]}"
    r.adapter().program(bad, "permanent", times=9)
    failing = await r.dispatch_now(await r.approved(regions=["3673"]))
    await r.engine.drain(20)

    # the provider asks for an hour's pause: the account holds everything it has
    r.adapter().program(paused, "rate", retry_after=3600)
    held = await r.dispatch_now(await r.approved(regions=["3673"]))
    deadline = time.monotonic() + 10
    while r.engine.senders["scripted"].blocked_until == 0:
        assert time.monotonic() < deadline, "the account was never held"
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # the held outcomes are written

    async with web.client("officer") as api:
        first = (await api.get(f"/api/v1/dispatches/{failing.id}")).json()
        second = (await api.get(f"/api/v1/dispatches/{held.id}")).json()
    reason = f"permanent: scripted permanent failure for {bad}"
    assert first["failed"] == 1 and first["reasons"] == {reason: 1}
    assert first["held"] == 0 and first["holds"] == []
    waiting = 6 - second["sent"] - second["failed"]  # the bad group fails again, or waits
    assert waiting > 0 and second["held"] == waiting
    assert second["reasons"] == {
        "rate_limited": waiting,
        **({reason: 1} if second["failed"] else {}),
    }
    [hold] = second["holds"]
    assert hold["reason"] == "rate_limited" and hold["count"] == waiting
    assert "(jeda dari penyedia) / held until" in hold["text"]
    assert hold["until"] is not None

    client, _ = await web.login("officer")
    page = (await client.get(f"/dispatches/{held.id}")).text
    assert "Ditahan" in page and hold["text"] in page
    page = (await client.get(f"/dispatches/{failing.id}")).text
    assert reason in page
