"""Fixtures: Telegram adapters (once per driver) talking HTTP to the real Bot API emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

import pytest

from adapters.sandbox.telegram import LimitsConfig, SandboxConfig, TelegramSandbox
from adapters.telegram import TelegramAdapter
from broadcaster.adapter import AdapterContext

DRIVERS = ("ptb", "aiogram")

#: Limits high enough that functional tests never meet them; limit tests use the defaults.
RELAXED = LimitsConfig(
    global_per_second=10_000, per_group_per_minute=10_000, per_chat_per_second=10_000
)


class AdapterFactory(Protocol):
    async def __call__(
        self, *, driver: str, account: str = "tg", relaxed: bool = True, **settings: Any
    ) -> TelegramAdapter: ...


@pytest.fixture(params=DRIVERS)
def driver(request: pytest.FixtureRequest) -> str:
    """Each test using this runs once with python-telegram-bot and once with aiogram."""
    return str(request.param)


@pytest.fixture
async def make_adapter(tmp_path: Path) -> AsyncIterator[AdapterFactory]:
    """Start ``sandbox = true`` adapters (each with its own emulator); all stopped afterwards."""
    started: list[TelegramAdapter] = []

    async def factory(
        *, driver: str, account: str = "tg", relaxed: bool = True, **settings: Any
    ) -> TelegramAdapter:
        context = AdapterContext(account, {"sandbox": True, "driver": driver, **settings}, tmp_path)
        adapter = TelegramAdapter(context)
        await adapter.start()
        started.append(adapter)
        if relaxed:
            adapter.sandbox.configure_limits(RELAXED)
        return adapter

    yield factory
    for adapter in started:
        await adapter.stop()


@pytest.fixture
async def tg(make_adapter: AdapterFactory, driver: str) -> TelegramAdapter:
    """A started sandbox account with relaxed emulator limits."""
    return await make_adapter(driver=driver)


@pytest.fixture
async def chat(tg: TelegramAdapter) -> str:
    """A simulated group with the account's bot in it (its address)."""
    return await tg.sandbox_group("RT 001 / RW 003 Tajur")


@pytest.fixture
async def external() -> AsyncIterator[TelegramSandbox]:
    """A stand-alone emulator, for accounts configured with ``base_url`` and ``token_env``."""
    sandbox = TelegramSandbox(SandboxConfig(limits=RELAXED))
    await sandbox.start()
    yield sandbox
    await sandbox.stop()


def bot_id(adapter: TelegramAdapter) -> int:
    """The id of the only bot on a sandbox account's emulator."""
    (only,) = adapter.sandbox.state.bots
    return only


def group_admin(sandbox: TelegramSandbox, chat_id: int) -> int:
    """The creator of a simulated group."""
    roster = sandbox.state.chat(chat_id).roster
    return next(user for user, status in roster.items() if status == "creator")
