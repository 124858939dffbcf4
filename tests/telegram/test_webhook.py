"""Webhook inbound: the secret token is checked before anything is read; with the right one,
updates reach the core. Once over an in-memory ASGI round trip, once with the emulator really
POSTing to the service's HTTP app on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from adapters.telegram import TelegramAdapter
from broadcaster.adapter import AdapterContext
from broadcaster.engine import Engine
from broadcaster.errors import ConfigError
from broadcaster.http import create_http_app
from broadcaster.store.records import GroupStatus
from tests.core.harness import rig

from .conftest import RELAXED
from .test_inbound import wait_until

SECRET = "s3cret-Token_for-tests"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def joined(update_id: int, chat_id: int = -4200) -> dict[str, Any]:
    bot = {"id": 7, "is_bot": True, "first_name": "Bot"}
    return {
        "update_id": update_id,
        "my_chat_member": {
            "chat": {"id": chat_id, "type": "group", "title": "RT 05"},
            "from": {"id": 11, "is_bot": False, "first_name": "Bu Siti"},
            "date": 1_700_000_000,
            "old_chat_member": {"status": "left", "user": bot},
            "new_chat_member": {"status": "member", "user": bot},
        },
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_secret_token_guards_the_webhook(
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
            url = "/hooks/tg/telegram"
            refused = [
                await client.post(url, json=joined(1)),
                await client.post(url, json=joined(1), headers={HEADER: "wrong"}),
                await client.post(url, json=joined(1), headers={HEADER: SECRET + "x"}),
                await client.post(url, content=b"not json", headers={HEADER: ""}),
            ]
            assert [response.status_code for response in refused] == [401] * 4
            assert await store.pending_notices("tg") == []  # nothing changed
            assert await store.record_inbound("probe", "never-seen")  # the store still works

            ok = await client.post(url, json=joined(1), headers={HEADER: SECRET})
            assert ok.status_code == 200 and ok.json() == {"ok": True}
            (welcome,) = await store.pending_notices("tg")
            assert welcome.address == "-4200" and "/daftar" in welcome.text
            # Telegram redelivers: applied once
            again = await client.post(url, json=joined(1), headers={HEADER: SECRET})
            assert again.status_code == 200 and len(await store.pending_notices("tg")) == 1
            # unreadable but authentic: 200 (else Telegram redelivers it forever), dead-lettered
            bad = await client.post(url, content=b"{", headers={HEADER: SECRET})
            assert bad.status_code == 200
            assert await store.dead_letter_counts() == {"tg": 1}
            assert (await client.get(url, headers={HEADER: SECRET})).status_code == 405


@contextlib.asynccontextmanager
async def serving(engine: Engine, port: int) -> AsyncIterator[str]:
    """The service's HTTP app on 127.0.0.1:port, as ``broadcaster run`` serves it."""
    config = uvicorn.Config(
        create_http_app(engine), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    await wait_until(lambda: server.started)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def test_emulator_delivers_to_the_service(
    tmp_path: Path, driver: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    account = {
        "adapter": "telegram",
        "sandbox": True,
        "driver": driver,
        "updates": "webhook",
        "webhook_url": f"http://127.0.0.1:{port}/hooks/tg/telegram",
    }
    async with rig(tmp_path, accounts={"tg": account}) as r:
        adapter = r.app.adapters["tg"]
        assert isinstance(adapter, TelegramAdapter)
        sb = adapter.sandbox
        sb.configure_limits(RELAXED)
        (bot,) = sb.state.bots
        hook = sb.state.queue(bot).webhook
        assert hook is not None and hook.url.endswith("/hooks/tg/telegram")
        assert hook.secret_token and len(hook.secret_token) >= 32  # generated at start
        community = sb.community
        admin = community.add_user("Bu Siti")
        group = community.create_group("RT 001 / RW 001", creator=admin.id)
        async with serving(r.engine, port) as base:
            community.add_bot(group.id, bot, by_user=admin.id)
            await wait_until(lambda: len(sb.messages(group.id)) == 1)
            assert "/daftar" in str(sb.messages(group.id)[0].text)
            community.user_command(group.id, admin.id, "daftar", "3671010001.RW001.RT001", "rt")
            await wait_until(lambda: len(sb.messages(group.id)) == 2)
            assert "menunggu persetujuan" in str(sb.messages(group.id)[1].text)
            async with httpx.AsyncClient() as client:
                forged = await client.post(
                    f"{base}/hooks/tg/telegram", json=joined(99), headers={HEADER: "guess"}
                )
            assert forged.status_code == 401
        found = await r.app.store.find_group("telegram", "tg", str(group.id))
        assert found is not None and found.status is GroupStatus.pending
        assert sb.stats.webhook_deliveries >= 3 and sb.stats.webhook_failures == 0


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"updates": "push"}, "accounts.tg.updates: 'push'"),
        ({"updates": "webhook"}, "webhook_url: required"),
        ({"updates": "webhook", "webhook_url": "ftp://x"}, "not an http"),
        ({"sandbox_port": 70000}, "sandbox_port: 70000"),
    ],
)
def test_inbound_settings_are_checked(
    tmp_path: Path, settings: dict[str, Any], problem: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TG_UNSET_SECRET", raising=False)
    with pytest.raises(ConfigError, match=re.escape(problem)):
        TelegramAdapter(AdapterContext("tg", {"sandbox": True, **settings}, tmp_path))


def test_serving_the_webhook_needs_its_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The adapter is built without the variable (CLI commands work); serving its webhook
    (``http_routes``) is where the unset variable is an error."""
    monkeypatch.delenv("TG_UNSET_SECRET", raising=False)
    settings = {"updates": "webhook", "webhook_url": "https://x/hooks/tg/telegram"}
    adapter = TelegramAdapter(
        AdapterContext(
            "tg", {"sandbox": True, **settings, "webhook_secret_env": "TG_UNSET_SECRET"}, tmp_path
        )
    )

    async def sink(_: object) -> None:
        return None

    with pytest.raises(
        ConfigError, match=re.escape("'TG_UNSET_SECRET' must hold 1-256 characters")
    ):
        adapter.http_routes(sink)
