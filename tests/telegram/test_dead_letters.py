"""One update that cannot be read must not stop inbound updates (issue #10, point 5).

Against the emulator, with both drivers: an update the client libraries cannot parse is injected
before ordinary ones. It is skipped (the offset moves past it at once, no backoff), kept as a
dead letter in the store, and counted in ``/metrics`` and ``/healthz``; the updates after it are
applied. In webhook mode such updates are answered 200 (Telegram would otherwise redeliver them
forever) and dead-lettered once, however often they come."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from adapters.telegram import TelegramAdapter
from adapters.telegram.inbound import MAX_SINK_ATTEMPTS
from broadcaster.http import create_http_app
from tests.core.harness import Rig, rig

from .conftest import RELAXED
from .test_inbound import wait_until
from .test_webhook import HEADER, SECRET, joined

#: an update python-telegram-bot and aiogram both fail to parse ("message" must be an object)
MALFORMED: dict[str, Any] = {"message": "bukan objek"}
URL = "/hooks/tg/telegram"


async def observed(r: Rig) -> tuple[str, dict[str, Any]]:
    """(/metrics text, /healthz JSON) of the service's HTTP app."""
    transport = httpx.ASGITransport(app=create_http_app(r.engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        metrics = (await client.get("/metrics")).text
        health = await client.get("/healthz")
    assert health.status_code == 200  # a skipped update is shown, not an outage
    return metrics, health.json()


async def test_an_unparsable_update_is_skipped_and_kept_as_a_dead_letter(
    tmp_path: Path, driver: str
) -> None:
    account = {"adapter": "telegram", "sandbox": True, "driver": driver}
    async with rig(tmp_path, accounts={"tg": account}) as r:
        adapter = r.app.adapters["tg"]
        assert isinstance(adapter, TelegramAdapter)
        sb = adapter.sandbox
        sb.configure_limits(RELAXED)
        (bot,) = sb.state.bots
        community = sb.community
        admin = community.add_user("Bu Siti")
        group = community.create_group("RT 001 / RW 001", creator=admin.id)

        bad_id = sb.state.inject_update(bot, MALFORMED)
        started = time.monotonic()
        community.add_bot(group.id, bot, by_user=admin.id)
        # the welcome after the bad update arrives at once (no growing backoff)
        await wait_until(lambda: len(sb.messages(group.id)) == 1, within=10)
        assert time.monotonic() - started < 5
        assert "/daftar" in str(sb.messages(group.id)[0].text)

        (letter,) = await r.app.store.list_dead_letters()
        assert letter.account == "tg" and letter.ref == f"{bot}:{bad_id}"
        assert "message" in letter.reason and "bukan objek" not in letter.reason  # no content
        metrics, health = await observed(r)
        assert 'broadcaster_inbound_dead_letters{account="tg"} 1.0' in metrics
        assert health["inbound_dead_letters"] == {"tg": 1}
        # the offset moved past it: Telegram forgets it (confirmed by the next getUpdates)
        await wait_until(lambda: sb.state.queue(bot).pending_count == 0, within=10)


async def test_webhook_answers_200_to_unreadable_updates_and_keeps_them_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TG_HOOK_SECRET", SECRET)
    account = {
        "adapter": "telegram",
        "sandbox": True,
        "updates": "webhook",
        "webhook_url": "http://127.0.0.1:9/hooks/tg/telegram",
        "webhook_secret_env": "TG_HOOK_SECRET",
    }
    async with rig(tmp_path, start=False, accounts={"tg": account}) as r:
        store = r.app.store
        transport = httpx.ASGITransport(app=create_http_app(r.engine))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            url, headers = "/hooks/tg/telegram", {HEADER: SECRET}
            unreadable: list[dict[str, Any]] = [
                {"content": b"{"},  # not JSON
                {"json": [1, 2]},  # not an update object
                {"json": {"message": {"text": "tanpa update_id"}}},  # no update_id
                {"json": {"update_id": 7, **MALFORMED}},
                {"json": {"update_id": 8, "message": {"message_id": 1, "text": "tanpa chat"}}},
            ]
            for _ in range(2):  # Telegram redelivers: still one dead letter each
                for body in unreadable:
                    answer = await client.post(url, headers=headers, **body)
                    assert answer.status_code == 200, answer.text
            assert await store.dead_letter_counts() == {"tg": len(unreadable)}
            reasons = [d.reason for d in await store.list_dead_letters()]
            assert not any("tanpa" in reason for reason in reasons)  # never the content
            # and the webhook still applies good updates
            assert (await client.post(url, json=joined(9), headers=headers)).status_code == 200
            assert len(await store.pending_notices("tg")) == 1
            # the secret is still checked first: a forged body is refused, not dead-lettered
            forged = await client.post(url, content=b"{", headers={HEADER: "salah"})
            assert forged.status_code == 401
            assert await store.dead_letter_counts() == {"tg": len(unreadable)}
        _, health = await observed(r)
        assert health["inbound_dead_letters"] == {"tg": len(unreadable)}


async def test_an_update_the_core_keeps_rejecting_is_dead_lettered_after_some_tries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram redelivers an update answered 500; after MAX_SINK_ATTEMPTS the webhook answers
    200 and keeps it as a dead letter instead of failing it forever."""
    monkeypatch.setenv("TG_HOOK_SECRET", SECRET)
    account = {
        "adapter": "telegram",
        "sandbox": True,
        "updates": "webhook",
        "webhook_url": "http://127.0.0.1:9/hooks/tg/telegram",
        "webhook_secret_env": "TG_HOOK_SECRET",
    }
    async with rig(tmp_path, start=False, accounts={"tg": account}) as r:
        adapter = r.app.adapters["tg"]
        inbox = r.engine.inbox

        async def failing_joins(event: Any) -> object:
            if event.kind == "joined":
                raise RuntimeError("the core cannot apply this one")
            return await inbox.handle(event)

        app = Starlette(routes=[Mount("/hooks/tg", routes=adapter.http_routes(failing_joins))])
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            statuses = [
                (await client.post(URL, json=joined(4), headers={HEADER: SECRET})).status_code
                for _ in range(MAX_SINK_ATTEMPTS)
            ]
        assert statuses == [500] * (MAX_SINK_ATTEMPTS - 1) + [200]
        (letter,) = await r.app.store.list_dead_letters()
        assert letter.ref.endswith(":4") and f"after {MAX_SINK_ATTEMPTS} attempts" in letter.reason
