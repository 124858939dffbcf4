"""Fixtures: a running sandbox with a small community, and unmodified PTB and aiogram clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from typing import Protocol

import pytest
import telegram
from aiogram import Bot as AiogramBot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from adapters.sandbox.telegram import (
    ChatRecord,
    FaultsConfig,
    LimitsConfig,
    SandboxConfig,
    TelegramSandbox,
    UserRecord,
    WebhookDeliveryConfig,
)

TOKEN = "123456:SANDBOX-test_token"
OTHER_TOKEN = "654321:OTHER-test_token"

#: Limits high enough that functional tests never hit them; limit tests build their own.
RELAXED = LimitsConfig(
    global_per_second=10_000, per_group_per_minute=10_000, per_chat_per_second=10_000
)


@dataclass
class World:
    """A sandbox with one RT group: an admin (creator), a co-admin, two residents, the bot."""

    sandbox: TelegramSandbox
    admin: UserRecord
    co_admin: UserRecord
    residents: list[UserRecord]
    group: ChatRecord

    @property
    def url(self) -> str:
        return self.sandbox.url


class SandboxFactory(Protocol):
    def __call__(
        self,
        limits: LimitsConfig | None = None,
        *,
        faults: FaultsConfig | None = None,
        admin_token: str | None = None,
        latency_ms: float = 0.0,
    ) -> Awaitable[TelegramSandbox]: ...


@pytest.fixture
async def make_sandbox() -> AsyncIterator[SandboxFactory]:
    """Start sandboxes with custom settings; all are stopped after the test."""
    started: list[TelegramSandbox] = []

    async def factory(
        limits: LimitsConfig | None = None,
        *,
        faults: FaultsConfig | None = None,
        admin_token: str | None = None,
        latency_ms: float = 0.0,
    ) -> TelegramSandbox:
        config = SandboxConfig(
            bots=[TOKEN, OTHER_TOKEN],
            limits=limits or RELAXED,
            faults=faults or FaultsConfig(),
            webhook=WebhookDeliveryConfig(max_attempts=3, backoff_seconds=0.05),
            admin_token=admin_token,
            latency_ms=latency_ms,
        )
        sandbox = TelegramSandbox(config)
        await sandbox.start()
        started.append(sandbox)
        return sandbox

    yield factory
    for sandbox in started:
        await sandbox.stop()


def populate(sandbox: TelegramSandbox) -> World:
    """Create the standard community and add the bot to its group."""
    community = sandbox.community
    admin = community.add_user("Bu Siti", username="siti_rt01")
    co_admin = community.add_user("Pak Budi")
    residents = [community.add_user("Warga Satu"), community.add_user("Warga Dua")]
    group = community.create_group(
        "RT 001 / RW 003 Kelurahan Cipare",
        creator=admin.id,
        admins=[co_admin.id],
        members=[resident.id for resident in residents],
    )
    community.add_bot(group.id, TOKEN, by_user=admin.id)
    return World(sandbox, admin, co_admin, residents, group)


@pytest.fixture
async def world(make_sandbox: SandboxFactory) -> World:
    return populate(await make_sandbox())


@pytest.fixture
async def ptb(world: World) -> AsyncIterator[telegram.Bot]:
    """python-telegram-bot, unmodified, pointed at the sandbox."""
    bot = telegram.Bot(TOKEN, base_url=f"{world.url}/bot")
    async with bot:
        yield bot


@pytest.fixture
async def aio(world: World) -> AsyncIterator[AiogramBot]:
    """aiogram, unmodified, pointed at the sandbox."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(world.url))
    bot = AiogramBot(TOKEN, session=session)
    try:
        yield bot
    finally:
        await session.close()


def aiogram_bot(url: str, token: str = TOKEN) -> AiogramBot:
    return AiogramBot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(url)))
