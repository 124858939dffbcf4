"""Telegram's /daftar takes a region's name too (issue 13), through the running service and
the Bot API emulator: several matches are listed, the admin answers by replying with a number;
a name nothing matches gets a hint; one match is used at once."""

from __future__ import annotations

from pathlib import Path

from adapters.telegram import TelegramAdapter
from broadcaster.importer import import_regions
from broadcaster.store.records import GroupStatus
from tests.core.harness import rig

from .conftest import RELAXED
from .test_inbound import wait_until


async def test_daftar_by_name(tmp_path: Path, driver: str, wilayah_dir: Path) -> None:
    account = {"adapter": "telegram", "sandbox": True, "driver": driver}
    async with rig(tmp_path, accounts={"tg": account}) as r:
        await import_regions(r.app.store, wilayah_dir, "admin", province="36")
        adapter = r.app.adapters["tg"]
        assert isinstance(adapter, TelegramAdapter)
        sb = adapter.sandbox
        sb.configure_limits(RELAXED)
        (bot,) = sb.state.bots
        community = sb.community
        admin, member = community.add_user("Pak RW"), community.add_user("Bu Ani")
        chat = community.create_group("RW 02 Cipocok", creator=admin.id, members=[member.id]).id

        def texts() -> list[str]:
            return [str(m.text) for m in sb.messages(chat)]

        async def arrived(count: int) -> None:
            await wait_until(lambda: len(sb.messages(chat)) >= count)

        community.add_bot(chat, bot, by_user=admin.id)
        await arrived(1)
        community.user_command(chat, admin.id, "daftar", "kampung", "antah", "berantah")
        await arrived(2)
        assert "tidak ditemukan" in texts()[1]
        community.user_command(chat, admin.id, "daftar", "cipocok", "jaya", "rw")
        await arrived(3)
        listing = sb.messages(chat)[2]
        assert "1. Kec. Cipocok Jaya" in str(listing.text)
        assert "2. Kel./Desa Cipocok Jaya" in str(listing.text)
        # a member's "2" is not the admin's answer
        community.user_message(chat, member.id, "2", reply_to_message_id=listing.message_id)
        community.user_message(chat, admin.id, "2", reply_to_message_id=listing.message_id)
        await arrived(4)
        assert "menunggu persetujuan" in texts()[3] and "3673030005" in texts()[3]
        group = await r.app.store.find_group("telegram", "tg", str(chat))
        assert group is not None and group.status is GroupStatus.pending
        assert (group.region, group.kind) == ("3673030005", "rw")
        assert len(texts()) == 4  # nothing else was said
