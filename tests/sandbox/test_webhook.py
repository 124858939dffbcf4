"""Webhook delivery: secret header, retries, and the getUpdates conflict while it is set."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import telegram
from aiogram.exceptions import TelegramConflictError
from aiohttp import web
from telegram.error import Conflict

from .conftest import World, aiogram_bot


@dataclass
class Receiver:
    """A small aiohttp app standing in for our webhook endpoint."""

    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    secrets: list[str | None] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)
    fail_next: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        self.secrets.append(request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        self.content_types.append(request.content_type)
        if self.fail_next > 0:
            self.fail_next -= 1
            return web.Response(status=500)
        self.received.append(json.loads(await request.read()))
        self.arrived.set()
        return web.Response(text="ok")

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(5):
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    target = Receiver()
    app = web.Application()
    app.router.add_post("/hook", target.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    target.url = f"http://{host}:{port}/hook"
    yield target
    await runner.cleanup()


async def test_webhook_delivers_with_secret_and_blocks_get_updates(
    world: World, ptb: telegram.Bot, receiver: Receiver
) -> None:
    assert await ptb.set_webhook(receiver.url, secret_token="rahasia-RT01")
    # The two updates from adding the bot were pending and are delivered first.
    await receiver.wait_for(2)
    world.sandbox.community.user_command(world.group.id, world.admin.id, "daftar", "3671010001")
    await receiver.wait_for(3)
    assert [u["update_id"] for u in receiver.received] == [1, 2, 3]
    assert receiver.received[2]["message"]["text"] == "/daftar 3671010001"
    assert set(receiver.secrets) == {"rahasia-RT01"}
    assert set(receiver.content_types) == {"application/json"}

    with pytest.raises(Conflict) as caught:
        await ptb.get_updates()
    assert caught.value.message == (
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first"
    )
    bot = aiogram_bot(world.url)
    try:
        with pytest.raises(TelegramConflictError):
            await bot.get_updates()
    finally:
        await bot.session.close()

    info = await ptb.get_webhook_info()
    assert info.url == receiver.url and info.pending_update_count == 0
    assert await ptb.delete_webhook()
    world.sandbox.community.user_command(world.group.id, world.admin.id, "status")
    updates = await ptb.get_updates()
    assert [u.update_id for u in updates] == [4]


async def test_webhook_retries_failures(
    world: World, ptb: telegram.Bot, receiver: Receiver
) -> None:
    await ptb.get_updates(offset=3)  # confirm the join updates
    receiver.fail_next = 2
    await ptb.set_webhook(receiver.url)
    world.sandbox.community.user_command(world.group.id, world.admin.id, "ping")
    await receiver.wait_for(1)
    assert receiver.received[0]["update_id"] == 3
    assert receiver.secrets == [None, None, None]
    info = await ptb.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
    stats = world.sandbox.stats
    assert (stats.webhook_failures, stats.webhook_deliveries) == (2, 1)


async def test_undeliverable_updates_are_dropped(
    world: World, ptb: telegram.Bot, receiver: Receiver
) -> None:
    receiver.fail_next = 3  # as many as the configured attempts
    await ptb.set_webhook(receiver.url, drop_pending_updates=True)
    world.sandbox.community.user_command(world.group.id, world.admin.id, "hilang")
    world.sandbox.community.user_command(world.group.id, world.admin.id, "sampai")
    await receiver.wait_for(1)
    assert receiver.received[0]["message"]["text"] == "/sampai"
    assert world.sandbox.stats.webhook_dropped == 1


async def test_allowed_updates_filter(world: World, ptb: telegram.Bot) -> None:
    world.sandbox.community.user_command(world.group.id, world.admin.id, "x")
    updates = await ptb.get_updates(allowed_updates=["my_chat_member"])
    assert [u.update_id for u in updates] == [1]
    # The filter is remembered by later calls without allowed_updates.
    world.sandbox.community.user_command(world.group.id, world.admin.id, "y")
    assert [u.update_id for u in await ptb.get_updates(offset=2)] == []


async def test_newer_long_poll_ends_the_older_one(world: World, ptb: telegram.Bot) -> None:
    await ptb.get_updates(offset=3)
    first = asyncio.create_task(ptb.get_updates(offset=3, timeout=5))
    await asyncio.sleep(0.2)
    other = telegram.Bot(ptb.token, base_url=f"{world.url}/bot")
    async with other:
        second = asyncio.create_task(other.get_updates(offset=3, timeout=1))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await first
        assert await second == ()
