"""End to end through the core: approve → dispatch → the emulator's groups receive text and poll.

The account is built as ``broadcaster run`` builds it (``App`` from settings, ``sandbox = true``)
and sends against the emulator's published limits (one message per second per chat), paced by
the core's limiter.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.telegram import TelegramAdapter
from broadcaster import app as app_module
from broadcaster.adapter import Adapter, adapter_class
from broadcaster.errors import AdapterNotFound
from broadcaster.store.records import GroupStatus
from content.model import Level
from tests.core.harness import rig

from .conftest import bot_id, group_admin


def entry_point_registered() -> bool:
    try:
        return adapter_class("telegram") is TelegramAdapter
    except AdapterNotFound:
        return False


@pytest.fixture
def telegram_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    """Until pyproject.toml registers ``telegram = "adapters.telegram:TelegramAdapter"``, let
    ``App`` find the adapter the way the entry point will."""
    if entry_point_registered():
        return

    def lookup(name: str) -> type[Adapter]:
        return TelegramAdapter if name == "telegram" else adapter_class(name)

    monkeypatch.setattr(app_module, "adapter_class", lookup)


def test_entry_point() -> None:
    if not entry_point_registered():
        pytest.skip(
            'entry point not registered yet: add telegram = "adapters.telegram:TelegramAdapter" '
            'under [project.entry-points."broadcaster.adapters"] and reinstall'
        )
    assert adapter_class("telegram") is TelegramAdapter


@pytest.mark.usefixtures("telegram_entry_point")
async def test_dispatch_reaches_every_group_and_handles_kicked_and_migrated(
    tmp_path: Path, driver: str
) -> None:
    # updates off: this test is about the send path meeting a kicked bot and a migrated group;
    # with inbound on, the `left`/`migrated` updates would fix the directory before the dispatch
    # (tests/telegram/test_onboarding.py covers that way)
    accounts = {"tg": {"adapter": "telegram", "sandbox": True, "driver": driver, "updates": "off"}}
    async with rig(tmp_path, accounts=accounts) as r:
        adapter = r.app.adapters["tg"]
        assert isinstance(adapter, TelegramAdapter)
        sandbox = adapter.sandbox
        chats: dict[int, int] = {}  # group id → chat id
        async for region in r.app.store.iter_regions("3673", Level.rt):
            address = await adapter.sandbox_group(f"{region.name} {region.code}")
            group = await r.app.directory.add_group(
                "officer", "tg", address, region.code, "rt", status=GroupStatus.active
            )
            chats[group.id] = int(address)
        assert len(chats) == 6
        kicked_group, migrated_group, *others = chats
        kicked_chat, old_chat = chats[kicked_group], chats[migrated_group]
        sandbox.community.remove_bot(
            kicked_chat, bot_id(adapter), by_user=group_admin(sandbox, kicked_chat)
        )
        supergroup = sandbox.community.migrate_group(old_chat)

        record = await r.approved(regions=["3673"], poll=True)
        dispatch = await r.dispatch_now(record)
        await r.engine.drain(30)

        progress = await r.app.store.dispatch_progress(dispatch.id)
        assert progress.by_status == {"sent": 5, "failed": 1}
        for chat_id in [chats[g] for g in others] + [supergroup.id]:
            text, poll = sandbox.messages(chat_id)
            assert text.text is not None and text.text.startswith("Peringatan\n\nMohon waspada")
            assert "Sumber: BPBD Banten\nCek keaslian: http://127.0.0.1:8080/v/" in text.text
            assert [e.type for e in text.entities][:2] == ["bold", "bold"]
            assert poll.poll is not None and poll.poll.question == "Tergenang?"
            assert poll.poll.options == ["Ya", "Tidak"] and poll.poll.is_anonymous
        assert sandbox.messages(kicked_chat) == [] and sandbox.messages(old_chat) == []

        kicked = await r.app.store.get_group(kicked_group)
        assert kicked.status is GroupStatus.removed
        moved = await r.app.store.get_group(migrated_group)
        assert moved.address == str(supergroup.id) and moved.status is GroupStatus.active
        audit = await r.app.store.list_audit(object_type="group", object_id=str(migrated_group))
        assert any(e.action == "group.address_moved" for e in audit)
