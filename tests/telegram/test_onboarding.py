"""The whole life of a community group, through the running service and the emulator:

bot added → welcome → a member's /daftar refused → the admin's /daftar → pending → approved by a
verifier → the group is told → an announcement with a poll arrives → members vote, change and
retract → the tally per village → a member replies → the reply is in the inbox with a hashed
author → the bot is removed → the group is removed.

Run for both drivers, with an anonymous poll (counts from ``poll`` updates) and a public one
(one vote per person from ``poll_answer``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.telegram import TelegramAdapter
from broadcaster.results import results
from broadcaster.store.records import GroupStatus
from content.model import Level
from tests.core.harness import Rig, rig

from .conftest import RELAXED
from .test_inbound import wait_until

RT = "3671010001.RW001.RT001"


async def group_status(r: Rig, chat: int) -> GroupStatus | None:
    group = await r.app.store.find_group("telegram", "tg", str(chat))
    return group.status if group is not None else None


async def wait_for_status(r: Rig, chat: int, status: GroupStatus) -> None:
    for _ in range(500):
        if await group_status(r, chat) is status:
            return
        await r.engine.send_notices()
        await wait_until(lambda: True)
    raise TimeoutError(f"group {chat} never became {status}")


@pytest.mark.parametrize("anonymous", [True, False], ids=["anonymous", "public"])
async def test_group_onboarding_to_tally(tmp_path: Path, driver: str, anonymous: bool) -> None:
    account = {"adapter": "telegram", "sandbox": True, "driver": driver}
    account["poll_anonymous"] = anonymous
    async with rig(tmp_path, accounts={"tg": account}) as r:
        adapter = r.app.adapters["tg"]
        assert isinstance(adapter, TelegramAdapter)
        sb = adapter.sandbox
        sb.configure_limits(RELAXED)
        (bot,) = sb.state.bots
        community = sb.community
        admin, joko, ani = (community.add_user(n) for n in ("Bu Siti", "Pak Joko", "Bu Ani"))
        chat = community.create_group(
            "RT 001 / RW 001 Tajur", creator=admin.id, members=[joko.id, ani.id]
        ).id

        def said(index: int) -> str:
            return str(sb.messages(chat)[index].text)

        async def arrived(count: int) -> None:
            await wait_until(lambda: len(sb.messages(chat)) >= count)

        community.add_bot(chat, bot, by_user=admin.id)
        await arrived(1)
        assert said(0).startswith(
            "Assalamu'alaikum"
        ) and "/daftar <nama atau kode wilayah>" in said(0)

        community.user_command(chat, joko.id, "daftar", RT, "rt")
        await arrived(2)
        assert "hanya dapat digunakan oleh admin" in said(1)
        assert await group_status(r, chat) is None

        community.user_command(chat, admin.id, "daftar", RT, "rt")
        await arrived(3)
        assert "menunggu persetujuan" in said(2)
        group = await r.app.store.find_group("telegram", "tg", str(chat))
        assert group is not None and group.status is GroupStatus.pending
        assert group.region == RT and group.title == "RT 001 / RW 001 Tajur"

        await r.app.directory.set_group_status("verifier", group.id, GroupStatus.active)
        await arrived(4)
        assert "telah disetujui" in said(3)

        record = await r.approved(regions=["3671010001"], poll=True)
        await r.dispatch_now(record)
        await r.engine.drain(20)
        await arrived(6)
        text, poll_message = sb.messages(chat)[4:6]
        assert str(text.text).startswith("Peringatan\n\nMohon waspada banjir.")
        poll = poll_message.poll
        assert poll is not None and poll.question == "Tergenang?"
        assert poll.options == ["Ya", "Tidak"] and poll.is_anonymous is anonymous

        community.vote(poll.id, joko.id, [0])
        community.vote(poll.id, ani.id, [1])
        community.vote(poll.id, joko.id, [1])  # changes their mind
        community.vote(poll.id, admin.id, [0])
        community.vote(poll.id, admin.id, [])  # and retracts
        for _ in range(500):
            options, rows = await results(r.app.store, record.id, Level.village)
            if [row.counts for row in rows] == [(0, 2)]:
                break
            await wait_until(lambda: True)
        assert options == ["Ya", "Tidak"]
        assert [(row.region, row.counts, row.groups) for row in rows] == [("3671010001", (0, 2), 1)]

        community.user_message(
            chat, ani.id, "Air setinggi lutut", reply_to_message_id=text.message_id
        )
        community.user_message(chat, joko.id, "Bukan balasan untuk bot")
        for _ in range(500):
            replies = await r.app.store.list_replies()
            if replies:
                break
            await wait_until(lambda: True)
        (reply,) = replies
        assert reply.text == "Air setinggi lutut" and reply.group_id == group.id
        assert len(reply.author) == 24 and str(ani.id) not in reply.author

        community.remove_bot(chat, bot, by_user=admin.id)
        await wait_for_status(r, chat, GroupStatus.removed)
        trail = await r.app.store.list_audit(object_type="group", object_id=str(group.id))
        assert trail[0].action == "group.removed"
