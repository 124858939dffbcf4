"""Inbound over long polling against the emulator, with both drivers: every update kind becomes
the right event, getUpdates offsets confirm what was processed, redeliveries apply once."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.sandbox.telegram import TelegramSandbox
from adapters.telegram import TelegramAdapter
from broadcaster.adapter import (
    AdapterContext,
    ChannelMessage,
    InboundEvent,
    InboundSink,
    RenderContext,
)
from broadcaster.errors import PermanentError, RateLimited, RecipientGone
from broadcaster.inbox import Inbox
from content.model import Announcement, Poll, Target, Variant
from tests.conftest import open_test_store

from .conftest import AdapterFactory, bot_id, group_admin

TOKEN = "5550001:INBOUND-test-token_abcdefghijklmnop"


class Collector:
    """A sink that keeps every event; ``wait_for`` polls until enough arrived."""

    def __init__(self) -> None:
        self.events: list[InboundEvent] = []

    async def __call__(self, event: InboundEvent) -> None:
        self.events.append(event)

    def kinds(self) -> list[str]:
        return [event.kind for event in self.events]

    async def wait_for(self, count: int, within: float = 5.0) -> list[InboundEvent]:
        await wait_until(lambda: len(self.events) >= count, within)
        return self.events


async def wait_until(predicate: Callable[[], bool], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached in time")
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def polling(adapter: TelegramAdapter, sink: InboundSink) -> AsyncIterator[None]:
    """``run_inbound`` in the background for the duration of the block."""
    task = asyncio.create_task(adapter.run_inbound(sink))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_every_update_kind_maps_to_its_event(
    make_adapter: AdapterFactory, driver: str
) -> None:
    tg = await make_adapter(driver=driver, poll_anonymous=False)
    sb, bot = tg.sandbox, bot_id(tg)
    username = sb.state.bots[bot].user.username
    community = sb.community
    admin, member = community.add_user("Bu Siti"), community.add_user("Pak Joko")
    group = community.create_group("RT 001 Tajur", creator=admin.id, members=[member.id])
    chat = str(group.id)
    sink = Collector()
    async with polling(tg, sink):
        community.add_bot(group.id, bot, by_user=admin.id)
        community.user_command(group.id, admin.id, f"daftar@{username}", "3671010001", "rt")
        community.user_command(group.id, member.id, "daftar", "3671010001")
        community.user_command(group.id, member.id, "daftar@someone_else_bot", "1")
        events = await sink.wait_for(3)
        poll = ChannelMessage("poll", {"question": "Tergenang?", "options": ["Ya", "Tidak"]})
        sent = await tg.send(poll, chat)
        assert sent.poll_id is not None
        for options in ([0], [1], []):  # vote, change, retract
            community.vote(sent.poll_id, member.id, options)
        text = await tg.send(ChannelMessage("text", {"text": "<b>Info</b>"}), chat)
        community.user_message(
            group.id, member.id, "Sudah surut", reply_to_message_id=int(text.message_id)
        )
        community.user_message(group.id, member.id, "tanpa balasan")
        supergroup = community.migrate_group(group.id)
        community.remove_bot(supergroup.id, bot, by_user=admin.id)
        events = await sink.wait_for(14)
    assert sink.kinds() == [
        "joined",
        "command",
        "command",
        *["vote", "poll_counts"] * 3,
        "reply",
        "poll_counts",  # the upgrade closed the poll
        "migrated",
        "migrated",
        "left",
    ]
    joined, by_admin, by_member = events[:3]
    assert joined.address == chat and joined.data == {"title": "RT 001 Tajur"}
    assert by_admin.data["is_admin"] is True and by_admin.data["user"] == admin.id
    assert by_admin.data["args"] == ["3671010001", "rt"] and by_admin.data["command"] == "daftar"
    assert by_member.data["is_admin"] is False
    votes = [e.data for e in events if e.kind == "vote"]
    assert [v["options"] for v in votes] == [[0], [1], []]
    assert all(v["poll_id"] == sent.poll_id and v["user"] == member.id for v in votes)
    counts = [e.data["counts"] for e in events if e.kind == "poll_counts"]
    assert counts == [[1, 0], [0, 1], [0, 0], [0, 0]]
    reply = events[9]
    assert reply.data["text"] == "Sudah surut" and reply.data["user"] == member.id
    assert events[10].data["closed"] is True
    assert {e.data["new_address"] for e in events[11:13]} == {str(supergroup.id)}
    assert events[13].address == str(supergroup.id)
    assert len({e.event_id for e in events}) == len(events)
    assert all(e.account == "tg" for e in events)


async def test_offsets_confirm_processed_updates_across_restarts(
    external: TelegramSandbox, driver: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INBOUND_TOKEN", TOKEN)
    external.register_bot(TOKEN, username="inbound_bot")
    community = external.community
    admin = community.add_user("Admin")
    group = community.create_group("RW 002", creator=admin.id)
    community.add_bot(group.id, TOKEN, by_user=admin.id)
    settings = {"driver": driver, "token_env": "INBOUND_TOKEN", "base_url": external.url}

    def adapter() -> TelegramAdapter:
        return TelegramAdapter(AdapterContext("tg", settings, tmp_path))

    first, sink = adapter(), Collector()
    await first.start()
    async with polling(first, sink):
        await sink.wait_for(1)
    # the loop restarts (as the engine restarts a failed one): nothing is delivered twice
    async with polling(first, sink):
        community.user_command(group.id, admin.id, "status")
        await sink.wait_for(2)
        await asyncio.sleep(0.2)
    assert sink.kinds() == ["joined", "command"]
    await first.stop()  # confirms the last offset to Telegram

    second, again = adapter(), Collector()
    await second.start()
    try:
        async with polling(second, again):
            community.user_command(group.id, admin.id, "bantuan")
            events = await again.wait_for(1)
            await asyncio.sleep(0.2)
        assert [e.data["command"] for e in events] == ["bantuan"]
    finally:
        await second.stop()


async def test_unconfirmed_updates_are_redelivered_and_applied_once(
    external: TelegramSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process dies right after the core applied an update, before getUpdates confirmed
    it: the next process gets it again from Telegram, and the core's inbox applies it once."""
    monkeypatch.setenv("INBOUND_TOKEN", TOKEN)
    external.register_bot(TOKEN)
    community = external.community
    admin = community.add_user("Admin")
    group = community.create_group("RW 003", creator=admin.id)
    community.add_bot(group.id, TOKEN, by_user=admin.id)
    community.user_command(group.id, admin.id, "bantuan")
    settings = {"token_env": "INBOUND_TOKEN", "base_url": external.url}
    store = await open_test_store("sqlite", tmp_path)
    crashed = TelegramAdapter(AdapterContext("tg", settings, tmp_path))
    restarted = TelegramAdapter(AdapterContext("tg", settings, tmp_path))
    inbox = Inbox(store, {"tg": crashed}, b"salt")
    applied: list[bool] = []

    async def sink(event: InboundEvent) -> None:
        applied.append(await inbox.handle(event))
        if len(applied) == 1:
            raise RuntimeError("killed right after applying the first update")

    try:
        await crashed.start()
        with pytest.raises(RuntimeError, match="killed"):
            await asyncio.wait_for(crashed.run_inbound(sink), 5)
        # no stop(): nothing was confirmed
        await restarted.start()
        async with polling(restarted, sink):
            await wait_until(lambda: len(applied) == 3)
        assert applied == [True, False, True]  # joined, joined again (a duplicate), bantuan
        assert len(await store.pending_notices("tg")) == 2  # one welcome, one help
    finally:
        await restarted.stop()
        await crashed.stop()
        await store.close()


async def test_polls_close_at_their_closing_time(make_adapter: AdapterFactory, driver: str) -> None:
    tg = await make_adapter(driver=driver)
    chat = await tg.sandbox_group("RT 009")
    soon = datetime.now(UTC) + timedelta(seconds=1)
    later = datetime.now(UTC) + timedelta(hours=2)
    sent = []
    for closes_at in (soon, later):
        content = Announcement(
            variants={"id": Variant(title="Uji", body="Isi")},
            poll=Poll(question="Aman?", options=["Ya", "Tidak"], closes_at=closes_at),
            source="Kominfo",
            target=Target(regions=["36"]),
        )
        (_text, poll) = tg.render(content, "id", RenderContext(1, "ABC"))
        assert poll.payload["closes_at"] == closes_at.timestamp()
        result = await tg.send(poll, chat)
        assert result.poll_id is not None
        sent.append(tg.sandbox.poll(result.poll_id))
    near, far = sent
    # too near for Telegram's close_date (at least 5 s ahead): the adapter stops it itself
    assert near.close_date is None and not near.is_closed
    # two hours ahead: Telegram closes it on its own, even if we are down by then
    assert far.close_date == int(later.timestamp()) and not far.is_closed
    await wait_until(lambda: near.is_closed, within=5)
    assert not far.is_closed


async def test_notify_sends_plain_text_and_maps_errors(
    make_adapter: AdapterFactory, driver: str
) -> None:
    tg = await make_adapter(driver=driver)
    sb = tg.sandbox
    assert tg.http_routes(Collector()) == []  # long polling: no webhook route
    chat = await tg.sandbox_group("RT 010")
    await tg.notify(chat, "Ketik /daftar <kode wilayah> & [jenis]")
    (sent,) = sb.messages(int(chat))
    assert sent.text == "Ketik /daftar <kode wilayah> & [jenis]"
    assert [e.type for e in sent.entities] == ["bot_command"]  # no markup, only what Telegram finds
    supergroup = sb.community.migrate_group(int(chat))
    await tg.notify(chat, "Grup pindah")  # the old id: follows migrate_to_chat_id
    assert [m.text for m in sb.messages(supergroup.id)] == ["Grup pindah"]
    sb.add_fault("rate_limit", count=1, retry_after=2)
    with pytest.raises(RateLimited) as limited:  # the core keeps the notice and pauses the bot
        await tg.notify(str(supergroup.id), "Nanti")
    assert limited.value.retry_after == 2
    admin = group_admin(sb, supergroup.id)
    sb.community.remove_bot(supergroup.id, bot_id(tg), by_user=admin)
    with pytest.raises(RecipientGone):
        await tg.notify(str(supergroup.id), "Halo")
    with pytest.raises(PermanentError):
        await tg.notify("grup-saya", "Halo")
