"""Telegram report paths through the Bot API emulator, with both drivers: residents reply
/lapor to a message in a group, post and forward media, forward into a private chat; the
adapter hands the core ``report`` events (and a how-to command for a bare /lapor)."""

from __future__ import annotations

from pathlib import Path

from adapters.telegram import TelegramAdapter
from broadcaster.hoaxdesk import verdicts
from broadcaster.store.records import GroupStatus
from tests.core.harness import rig

from .conftest import RELAXED, AdapterFactory, bot_id
from .test_inbound import Collector, polling, wait_until

HOAX = "Besok pemadaman listrik total se-Banten 3 hari! Sebarkan!!"


async def test_residents_report_by_reply_media_and_forward(
    make_adapter: AdapterFactory, driver: str
) -> None:
    tg = await make_adapter(driver=driver)
    sb, bot = tg.sandbox, bot_id(tg)
    community = sb.community
    admin, siti, joko = (community.add_user(n) for n in ("Pak RT", "Bu Siti", "Pak Joko"))
    group = community.create_group("RT 001 Tajur", creator=admin.id, members=[siti.id, joko.id])
    community.add_bot(group.id, bot, by_user=admin.id)
    sink = Collector()
    async with polling(tg, sink):
        await sink.wait_for(1)  # joined
        rumour = community.user_message(group.id, joko.id, HOAX)  # the bot does not see it
        community.user_message(group.id, siti.id, "/lapor", reply_to_message_id=rumour.message_id)
        photo = community.user_media(group.id, joko.id, "photo", caption="Foto tanggul jebol")
        community.user_message(group.id, siti.id, "/lapor", reply_to_message_id=photo.message_id)
        community.forward_to_bot(siti.id, bot, group.id, photo.message_id)
        video = community.user_media(group.id, joko.id, "video")
        community.forward_to_bot(joko.id, bot, group.id, video.message_id)
        community.private_message(siti.id, bot, f"/lapor {HOAX}")
        community.user_command(group.id, joko.id, "lapor")
        events = await sink.wait_for(7)
    assert sink.kinds() == ["joined", "report", "report", "report", "report", "report", "command"]
    by_reply, photo_reply, photo_forward, video_forward, private_text, howto = events[1:]
    assert by_reply.address == str(group.id)
    assert by_reply.data == {
        "user": siti.id,
        "text": HOAX,
        "media": None,
        "media_hash": None,
        "direct": False,
        "forwarded": False,
        "message_id": str(rumour.message_id),
    }
    assert photo_reply.data["text"] == "Foto tanggul jebol" and photo_reply.data["media"]
    # the same file forwarded privately carries the same file_unique_id
    assert photo_forward.address == str(siti.id)
    assert photo_forward.data["media"] == photo_reply.data["media"]
    assert photo_forward.data["direct"] is True and photo_forward.data["forwarded"] is True
    assert video_forward.data["media"] and video_forward.data["user"] == joko.id
    assert video_forward.data["text"] == ""
    assert private_text.data["text"] == HOAX and private_text.data["direct"] is True
    assert howto.data["command"] == "lapor" and "is_admin" not in howto.data
    assert len({e.event_id for e in events}) == len(events)


async def test_bare_lapor_in_a_group_answers_with_the_howto(tmp_path: Path, driver: str) -> None:
    account = {"adapter": "telegram", "sandbox": True, "driver": driver}
    async with rig(tmp_path, accounts={"tg": account}) as r:
        adapter = r.app.adapters["tg"]
        assert isinstance(adapter, TelegramAdapter)
        sb = adapter.sandbox
        sb.configure_limits(RELAXED)
        (bot,) = sb.state.bots
        community = sb.community
        admin, member = community.add_user("Pak RW"), community.add_user("Bu Ani")
        chat = community.create_group("RW 02 Cipocok", creator=admin.id, members=[member.id]).id
        community.add_bot(chat, bot, by_user=admin.id)
        await wait_until(lambda: len(sb.messages(chat)) >= 1)  # the welcome
        community.user_command(chat, member.id, "lapor")
        await wait_until(lambda: len(sb.messages(chat)) >= 2)
        howto = str(sb.messages(chat)[1].text)
        assert "balas (reply) pesan itu" in howto and "/lapor" in howto
        community.private_message(member.id, bot, "/lapor")
        await wait_until(lambda: len(sb.messages(member.id)) >= 1)
        assert "teruskan (forward)" in str(sb.messages(member.id)[0].text)


async def test_reports_become_one_case_and_reporters_get_the_code_where_they_reported(
    tmp_path: Path, driver: str
) -> None:
    """Through the running service: a group member replies /lapor, another resident forwards
    the same message to the bot privately; one case with two reports from the group's region,
    each reporter acknowledged with its code where they reported (the group, the private chat),
    and both told the verdict there once two verifiers ruled."""
    account = {"adapter": "telegram", "sandbox": True, "driver": driver}
    async with rig(tmp_path, accounts={"tg": account}) as r:
        store = r.app.store
        adapter = r.app.adapters["tg"]
        assert isinstance(adapter, TelegramAdapter)
        sb = adapter.sandbox
        sb.configure_limits(RELAXED)
        (bot,) = sb.state.bots
        community = sb.community
        admin, siti, joko = (community.add_user(n) for n in ("Pak RT", "Bu Siti", "Pak Joko"))
        chat = community.create_group("RT 01 Tajur", creator=admin.id, members=[siti.id, joko.id])
        community.add_bot(chat.id, bot, by_user=admin.id)
        await wait_until(lambda: len(sb.messages(chat.id)) >= 1)  # the welcome
        await r.app.directory.add_group(
            "officer", "tg", str(chat.id), "3671010001", "rt", status=GroupStatus.active
        )
        rumour = community.user_message(chat.id, joko.id, HOAX)
        community.user_message(chat.id, siti.id, "/lapor", reply_to_message_id=rumour.message_id)
        await wait_until(lambda: len(sb.messages(chat.id)) >= 2, within=10)
        [case] = await store.list_hoax_cases()
        ack = str(sb.messages(chat.id)[1].text)
        assert case.code in ack and case.reports == 1
        assert case.regions == ("3671010001",) and case.channels == ("telegram",)
        [report] = await store.hoax_reports(case.id)
        assert report.content == HOAX and str(siti.id) not in str(report.reporter)
        # the same message forwarded privately by someone else: the same case, answered there
        community.forward_to_bot(admin.id, bot, chat.id, rumour.message_id)
        await wait_until(lambda: len(sb.messages(admin.id)) >= 1, within=10)
        assert case.code in str(sb.messages(admin.id)[0].text)
        [again] = await store.list_hoax_cases()
        assert again.id == case.id and again.reports == 2
        # two verifiers rule: both reporters hear the verdict where they reported
        await verdicts.propose(
            store,
            case.id,
            label="hoaks",
            explanation="PLN Banten tidak mengumumkan pemadaman total.",
            sources=["https://www.pln.co.id/"],
            acting="verifier",
        )
        await verdicts.confirm(store, case.id, acting="verifier2", public_url="https://x.test")
        await wait_until(lambda: len(sb.messages(chat.id)) >= 3, within=10)
        await wait_until(lambda: len(sb.messages(admin.id)) >= 2, within=10)
        for answer in (sb.messages(chat.id)[2], sb.messages(admin.id)[1]):
            assert case.code in str(answer.text) and "PLN Banten" in str(answer.text)
