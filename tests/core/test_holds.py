"""Holds inside one engine (issue 10, points 11 and 13): a held account resumes on its own once
the cause is gone, and a provider pause is logged once."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest

from adapters.waha import WahaAdapter
from broadcaster.store.contract.holds import ACCOUNT_BLOCKED
from broadcaster.store.records import GroupStatus
from content.model import Level
from tests.core.harness import Rig, rig


async def _until(check: object, within: float, what: str) -> None:
    assert callable(check)
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.05)


async def test_a_provider_pause_is_logged_once_at_info(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Point 13: six 429 answers met in one or two pauses are not six log lines."""
    caplog.set_level(logging.INFO, logger="broadcaster.engine")
    async with rig(tmp_path) as r:
        groups = await r.add_groups(under="3673")
        assert len(groups) == 6
        async for region in r.app.store.iter_regions("3673", Level.rt):
            r.adapter().program(f"scripted-{region.code}", "rate", retry_after=0.5)
        dispatch = await r.dispatch_now(await r.approved(regions=["3673"]))
        await r.engine.drain(20)
        progress = await r.app.store.dispatch_progress(dispatch.id)
        assert progress.by_status == {"sent": 6}
        answers = r.engine.metrics.rate_limits.labels("scripted", "scripted")._value.get()
        assert answers == 6
    lines = [
        rec
        for rec in caplog.records
        if "paused" in rec.getMessage() and rec.name.startswith("broadcaster.engine")
    ]
    assert lines and all(rec.levelno == logging.INFO for rec in lines)
    assert len(lines) < answers  # once per pause, not once per answer
    assert "scripted rate limit" in lines[0].getMessage()


WAHA = {
    "adapter": "waha",
    "sandbox": True,
    "min_interval": 0.05,
    "jitter": 0,
    "group_interval": 0,
    "quiet_hours": "off",
    "session_pause": 1.5,
}


async def _waha_groups(r: Rig, count: int) -> WahaAdapter:
    adapter = r.app.adapters["gw"]
    assert isinstance(adapter, WahaAdapter)
    regions = [region.code async for region in r.app.store.iter_regions("3673", Level.rt)]
    for n, code in enumerate(regions[:count]):
        address = adapter.sandbox.create_group(f"RT {n}").id
        await r.app.directory.add_group(
            "officer", "gw", address, code, "rt", status=GroupStatus.active
        )
    return adapter


async def test_a_blocked_account_resumes_once_the_session_works_again(tmp_path: Path) -> None:
    """Point 11 (account resumed): deliveries held while the WAHA session is down are held
    with their reason, shown in the reasons, and go out once the session works again."""
    async with rig(tmp_path, accounts={"gw": WAHA}) as r:
        waha = await _waha_groups(r, 4)
        waha.sandbox.status = "FAILED"
        dispatch = await r.dispatch_now(await r.approved(regions=["3673"]))
        store = r.app.store

        async def held() -> bool:
            # every delivery, claimed or not, says why it waits
            reasons = await store.delivery_reasons(dispatch.id)
            return [(c.state, c.reason, c.count) for c in reasons] == [("held", ACCOUNT_BLOCKED, 4)]

        await _until(held, 10, "deliveries held while the session is down")
        [count] = await store.delivery_reasons(dispatch.id)
        assert count.count == 4 and count.until is not None
        assert r.engine.metrics.held_accounts == {"gw": ACCOUNT_BLOCKED}
        assert waha.sandbox.sent == []

        waha.sandbox.status = "WORKING"

        async def sent() -> bool:
            return (await store.dispatch_progress(dispatch.id)).by_status == {"sent": 4}

        await _until(sent, 15, "held deliveries sent after the session came back")
        assert await store.delivery_reasons(dispatch.id) == []
        assert r.engine.metrics.held_accounts == {}
        assert len(waha.sandbox.sent) == 4
