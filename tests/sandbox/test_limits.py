"""Rate limits: per-chat, per-group, per-bot window with flood block, paid broadcasts."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
import telegram
from aiogram.exceptions import TelegramRetryAfter
from telegram.error import RetryAfter

from adapters.sandbox.telegram import LimitsConfig, TelegramSandbox
from adapters.sandbox.telegram.limits import SlidingWindow, rate_to_window

from .conftest import TOKEN, SandboxFactory, aiogram_bot, populate

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def groups(sandbox: TelegramSandbox, count: int) -> list[int]:
    """``count`` groups with the bot in them."""
    community = sandbox.community
    admin = community.add_user("Admin Kelurahan")
    ids = []
    for index in range(count):
        chat = community.create_group(f"RT {index:03d}", creator=admin.id)
        community.add_bot(chat.id, TOKEN, by_user=admin.id)
        ids.append(chat.id)
    return ids


def test_window_arithmetic() -> None:
    assert rate_to_window(30, 1.0) == (30, 1.0)
    assert rate_to_window(0.5, 1.0) == (1, 2.0)
    window = SlidingWindow(2, 1.0)
    window.record(10.0)
    window.record(10.4)
    assert window.is_full(10.9) and window.wait_time(10.9) == pytest.approx(0.1)
    assert not window.is_full(11.0)


async def test_per_chat_limit(make_sandbox: SandboxFactory) -> None:
    sandbox = await make_sandbox(
        LimitsConfig(global_per_second=100, per_group_per_minute=100, per_chat_per_second=1)
    )
    world = populate(sandbox)
    async with telegram.Bot(TOKEN, base_url=f"{sandbox.url}/bot") as bot:
        await bot.send_message(world.group.id, "satu")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(world.group.id, "dua")
        assert seconds(caught.value.retry_after) == 1
    # Refused sends are not stored and do not count.
    assert [m.text for m in sandbox.messages(world.group.id)] == ["satu"]
    assert sandbox.stats.sends_accepted == 1 and sandbox.stats.rate_limited[123456] == 1


async def test_flood_block_after_global_window(make_sandbox: SandboxFactory) -> None:
    sandbox = await make_sandbox(
        LimitsConfig(
            global_per_second=5,
            per_group_per_minute=100,
            per_chat_per_second=100,
            flood_block_seconds=1,
        )
    )
    chat_ids = groups(sandbox, 7)
    async with telegram.Bot(TOKEN, base_url=f"{sandbox.url}/bot") as bot:
        for chat_id in chat_ids[:5]:
            await bot.send_message(chat_id, "peringatan")
        blocked_at = time.monotonic()
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(chat_ids[5], "keenam")
        assert seconds(caught.value.retry_after) == 1
        # During the block every request is refused, not only sends...
        with pytest.raises(RetryAfter):
            await bot.get_me()
        # ...except the update plumbing, which keeps working.
        await bot.get_updates(timeout=0)
        await asyncio.sleep(max(0.0, 1.05 - (time.monotonic() - blocked_at)))
        await bot.send_message(chat_ids[6], "setelah jeda")
    assert sandbox.stats.flood_blocks[123456] == 1
    assert sandbox.stats.max_in_window(1.0) == 5


async def test_per_group_per_minute(make_sandbox: SandboxFactory) -> None:
    sandbox = await make_sandbox(
        LimitsConfig(global_per_second=100, per_group_per_minute=3, per_chat_per_second=100)
    )
    first, second = groups(sandbox, 2)
    bot = aiogram_bot(sandbox.url)
    try:
        for index in range(3):
            await bot.send_message(first, f"pesan {index}")
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(first, "keempat")
        assert 58 <= caught.value.retry_after <= 60
        # A full group does not block the bot elsewhere.
        await bot.send_message(second, "grup lain")
    finally:
        await bot.session.close()
    assert len(sandbox.stats.chat_send_times(first)) == 3


async def test_paid_broadcast_uses_its_own_rate(make_sandbox: SandboxFactory) -> None:
    sandbox = await make_sandbox(
        LimitsConfig(
            global_per_second=2,
            per_group_per_minute=100,
            per_chat_per_second=100,
            paid_broadcast_per_second=4,
            flood_block_seconds=1,
        )
    )
    chat_ids = groups(sandbox, 5)
    async with telegram.Bot(TOKEN, base_url=f"{sandbox.url}/bot") as bot:
        for chat_id in chat_ids[:4]:
            await bot.send_message(chat_id, "berbayar", allow_paid_broadcast=True)
        with pytest.raises(RetryAfter):
            await bot.send_message(chat_ids[4], "kelima", allow_paid_broadcast=True)
    assert sandbox.stats.paid_sends == 4 and sandbox.stats.paid_over_free == 2
    assert all(m.paid_broadcast for m in sandbox.messages(chat_ids[0]))


async def test_limits_can_be_switched_off(make_sandbox: SandboxFactory) -> None:
    sandbox = await make_sandbox(LimitsConfig(per_chat_per_second=1, enforce=False))
    world = populate(sandbox)
    async with telegram.Bot(TOKEN, base_url=f"{sandbox.url}/bot") as bot:
        for index in range(5):
            await bot.send_message(world.group.id, str(index))
    assert sandbox.stats.max_in_window(1.0, world.group.id) == 5
