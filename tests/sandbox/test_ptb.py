"""The sandbox driven by unmodified python-telegram-bot 22 over real HTTP."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
import telegram
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError

from .conftest import OTHER_TOKEN, TOKEN, World


async def fresh_updates(bot: telegram.Bot) -> tuple[telegram.Update, ...]:
    """Updates not yet seen, confirming them (offset = last + 1), as a polling loop does."""
    updates = await bot.get_updates(timeout=0)
    if updates:
        await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    return updates


def update_types(updates: tuple[telegram.Update, ...]) -> list[str]:
    names: list[str] = []
    for update in updates:
        data: dict[str, Any] = update.to_dict()
        names.extend(key for key in data if key != "update_id")
    return names


async def test_get_me_and_bot_identity(ptb: telegram.Bot) -> None:
    me = await ptb.get_me()
    assert me.id == 123456 and me.is_bot and me.username == "sandbox123456_bot"
    assert me.can_join_groups and not me.can_read_all_group_messages


async def test_send_html_message_is_stored_with_entities(world: World, ptb: telegram.Bot) -> None:
    sent = await ptb.send_message(
        world.group.id, "<b>Peringatan dini</b> banjir di <i>RT 01</i>", parse_mode="HTML"
    )
    assert sent.text == "Peringatan dini banjir di RT 01"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 15),
        ("italic", 26, 5),
    ]
    assert sent.chat.id == world.group.id and sent.from_user is not None
    assert sent.from_user.id == 123456
    second = await ptb.send_message(world.group.id, "kedua")
    assert second.message_id == sent.message_id + 1
    stored = world.sandbox.messages(world.group.id)
    assert [m.text for m in stored] == ["Peringatan dini banjir di RT 01", "kedua"]
    assert stored[0].parse_mode == "HTML"
    assert stored[0].raw_text == "<b>Peringatan dini</b> banjir di <i>RT 01</i>"


async def test_bad_html_and_lengths_raise_bad_request(world: World, ptb: telegram.Bot) -> None:
    with pytest.raises(BadRequest) as caught:
        await ptb.send_message(world.group.id, "Awas <banjir>", parse_mode="HTML")
    # PTB strips "Bad Request: " and capitalises the rest (lower-casing it).
    assert caught.value.message == (
        'Can\'t parse entities: unsupported start tag "banjir" at byte offset 5'
    )
    with pytest.raises(BadRequest, match="Message is too long"):
        await ptb.send_message(world.group.id, "x" * 4097)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await ptb.send_message(world.group.id, "")
    with pytest.raises(BadRequest, match="Chat not found"):
        await ptb.send_message(-999, "halo")
    assert world.sandbox.messages(world.group.id) == []


async def test_poll_votes_emit_poll_answer_and_counts(world: World, ptb: telegram.Bot) -> None:
    await fresh_updates(ptb)
    message = await ptb.send_poll(
        world.group.id, "Kerja bakti Minggu?", ["Ya", "Tidak"], is_anonymous=False
    )
    assert message.poll is not None
    poll_id = message.poll.id
    first, second = world.residents
    world.sandbox.community.vote(poll_id, first.id, [0])
    world.sandbox.community.vote(poll_id, second.id, [1])
    world.sandbox.community.vote(poll_id, second.id, [0])  # a changed vote replaces
    world.sandbox.community.vote(poll_id, first.id, [])  # retracted
    updates = await fresh_updates(ptb)
    answers = [u.poll_answer for u in updates if u.poll_answer is not None]
    assert [(a.user.id if a.user else None, a.option_ids) for a in answers] == [
        (first.id, (0,)),
        (second.id, (1,)),
        (second.id, (0,)),
        (first.id, ()),
    ]
    polls = [u.poll for u in updates if u.poll is not None]
    assert [[o.voter_count for o in p.options] for p in polls] == [
        [1, 0],
        [1, 1],
        [2, 0],
        [1, 0],
    ]
    stopped = await ptb.stop_poll(world.group.id, message.message_id)
    assert stopped.is_closed and stopped.total_voter_count == 1
    with pytest.raises(ValueError, match="closed"):
        world.sandbox.community.vote(poll_id, first.id, [1])
    with pytest.raises(BadRequest, match="Poll has already been closed"):
        await ptb.stop_poll(world.group.id, message.message_id)


async def test_anonymous_poll_sends_only_counts(world: World, ptb: telegram.Bot) -> None:
    await fresh_updates(ptb)
    message = await ptb.send_poll(world.group.id, "Setuju?", ["Ya", "Tidak", "Ragu"])
    assert message.poll is not None and message.poll.is_anonymous
    world.sandbox.community.vote(message.poll.id, world.residents[0].id, [2])
    assert update_types(await fresh_updates(ptb)) == ["poll"]
    assert world.sandbox.poll(message.poll.id).counts() == [0, 0, 1]


async def test_poll_validation(world: World, ptb: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match="Poll must have at least 2 option"):
        await ptb.send_poll(world.group.id, "Q?", ["only"])
    with pytest.raises(BadRequest, match="Poll can't have more than 12 options"):
        await ptb.send_poll(world.group.id, "Q?", [str(i) for i in range(13)])
    with pytest.raises(BadRequest, match="Poll question length must not exceed 300"):
        await ptb.send_poll(world.group.id, "q" * 301, ["a", "b"])
    with pytest.raises(BadRequest, match="Poll options length must not exceed 100"):
        await ptb.send_poll(world.group.id, "Q?", ["a", "b" * 101])


async def test_get_updates_offset_and_limit(world: World, ptb: telegram.Bot) -> None:
    # Adding the bot produced my_chat_member and the new_chat_members service message.
    initial = await ptb.get_updates()
    assert update_types(initial) == ["my_chat_member", "message"]
    assert [u.update_id for u in initial] == [1, 2]
    for index in range(3):
        world.sandbox.community.user_command(world.group.id, world.admin.id, "daftar", str(index))
    assert [u.update_id for u in await ptb.get_updates(limit=2)] == [1, 2]
    batch = await ptb.get_updates(offset=3)
    assert [u.update_id for u in batch] == [3, 4, 5]
    assert batch[0].message is not None and batch[0].message.text == "/daftar 0"
    assert [u.update_id for u in await ptb.get_updates(offset=-1)] == [5]
    assert await ptb.get_updates(offset=6) == ()


async def test_long_poll_waits_and_wakes(world: World, ptb: telegram.Bot) -> None:
    await fresh_updates(ptb)
    started = time.monotonic()
    assert await ptb.get_updates(timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 3

    async def speak_later() -> None:
        await asyncio.sleep(0.2)
        world.sandbox.community.user_command(world.group.id, world.admin.id, "status")

    started = time.monotonic()
    task = asyncio.create_task(speak_later())
    updates = await ptb.get_updates(timeout=5)
    await task
    assert update_types(updates) == ["message"]
    assert time.monotonic() - started < 2


async def test_replies_commands_and_privacy_mode(world: World, ptb: telegram.Bot) -> None:
    await fresh_updates(ptb)
    announcement = await ptb.send_message(world.group.id, "Posyandu besok jam 08.00")
    community = world.sandbox.community
    resident = world.residents[0]
    community.user_message(world.group.id, resident.id, "ngobrol biasa")  # hidden by privacy
    community.user_message(
        world.group.id, resident.id, "Siap, hadir", reply_to_message_id=announcement.message_id
    )
    community.user_command(world.group.id, world.admin.id, "daftar", "3671010001", "rt")
    updates = await fresh_updates(ptb)
    messages = [u.message for u in updates if u.message is not None]
    assert [m.text for m in messages] == ["Siap, hadir", "/daftar 3671010001 rt"]
    reply = messages[0].reply_to_message
    assert reply is not None and reply.message_id == announcement.message_id
    assert reply.text == "Posyandu besok jam 08.00"
    command = messages[1]
    assert [(e.type, e.offset, e.length) for e in command.entities] == [("bot_command", 0, 7)]
    assert command.from_user is not None and command.from_user.id == world.admin.id


async def test_membership_updates_and_kicked_bot(world: World, ptb: telegram.Bot) -> None:
    await fresh_updates(ptb)
    community = world.sandbox.community
    community.promote_bot(world.group.id, TOKEN, by_user=world.admin.id)
    community.remove_bot(world.group.id, TOKEN, by_user=world.co_admin.id)
    updates = await fresh_updates(ptb)
    changes = [u.my_chat_member for u in updates if u.my_chat_member is not None]
    assert [(c.old_chat_member.status, c.new_chat_member.status) for c in changes] == [
        ("member", "administrator"),
        ("administrator", "kicked"),
    ]
    assert changes[1].from_user.id == world.co_admin.id
    with pytest.raises(Forbidden) as caught:
        await ptb.send_message(world.group.id, "masih di sini?")
    assert caught.value.message == "Forbidden: bot was kicked from the group chat"
    community.add_bot(world.group.id, TOKEN, by_user=world.admin.id)
    added = [u.my_chat_member for u in await fresh_updates(ptb) if u.my_chat_member]
    assert [(c.old_chat_member.status, c.new_chat_member.status) for c in added] == [
        ("kicked", "member")
    ]
    await ptb.send_message(world.group.id, "kembali")


async def test_leave_chat(world: World, ptb: telegram.Bot) -> None:
    await fresh_updates(ptb)
    assert await ptb.leave_chat(world.group.id)
    assert update_types(await fresh_updates(ptb)) == ["my_chat_member"]
    with pytest.raises(Forbidden, match="bot is not a member of the group chat"):
        await ptb.send_message(world.group.id, "x")


async def test_chat_member_roles_and_admins(world: World, ptb: telegram.Bot) -> None:
    roles = {
        user.id: (await ptb.get_chat_member(world.group.id, user.id)).status
        for user in [world.admin, world.co_admin, world.residents[0]]
    }
    assert roles == {
        world.admin.id: "creator",
        world.co_admin.id: "administrator",
        world.residents[0].id: "member",
    }
    stranger = world.sandbox.community.add_user("Orang Lain")
    assert (await ptb.get_chat_member(world.group.id, stranger.id)).status == "left"
    admins = await ptb.get_chat_administrators(world.group.id)
    assert [(a.user.id, a.status) for a in admins] == [
        (world.admin.id, "creator"),
        (world.co_admin.id, "administrator"),
    ]
    chat = await ptb.get_chat(world.group.id)
    assert chat.title == "RT 001 / RW 003 Kelurahan Cipare" and chat.type == "group"
    assert await ptb.get_chat_member_count(world.group.id) == 5


async def test_migration_raises_chat_migrated(world: World, ptb: telegram.Bot) -> None:
    supergroup = world.sandbox.community.migrate_group(world.group.id)
    assert str(supergroup.id).startswith("-100")
    with pytest.raises(ChatMigrated) as caught:
        await ptb.send_message(world.group.id, "halo")
    assert caught.value.new_chat_id == supergroup.id
    sent = await ptb.send_message(caught.value.new_chat_id, "halo supergrup")
    assert sent.chat.type == "supergroup"
    service = [u.message for u in await fresh_updates(ptb) if u.message is not None]
    assert (service[-2].migrate_to_chat_id, service[-1].migrate_from_chat_id) == (
        supergroup.id,
        world.group.id,
    )


async def test_private_chats_blocked_and_not_started(world: World, ptb: telegram.Bot) -> None:
    resident = world.residents[0]
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await ptb.send_message(resident.id, "halo")
    world.sandbox.community.start_private(resident.id, TOKEN)
    await ptb.send_message(resident.id, "Terima kasih sudah mendaftar")
    world.sandbox.community.block_bot(resident.id, TOKEN)
    with pytest.raises(Forbidden) as caught:
        await ptb.send_message(resident.id, "halo lagi")
    assert caught.value.message == "Forbidden: bot was blocked by the user"


async def test_photo_upload_and_document_url(world: World, ptb: telegram.Bot) -> None:
    photo = await ptb.send_photo(
        world.group.id, b"\x89PNG fake", caption="<b>Peta</b>", parse_mode="HTML"
    )
    assert photo.caption == "Peta" and photo.photo
    document = await ptb.send_document(world.group.id, "https://example.org/edaran.pdf")
    assert document.document is not None and document.document.file_name == "edaran.pdf"
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await ptb.send_photo(world.group.id, "AgACfile", caption="c" * 1025)
    assert [m.kind for m in world.sandbox.messages(world.group.id)] == ["photo", "document"]


async def test_unknown_and_unregistered_tokens(world: World) -> None:
    stranger = telegram.Bot("999:unknown", base_url=f"{world.url}/bot")
    with pytest.raises(InvalidToken):
        await stranger.get_me()
    other = telegram.Bot(OTHER_TOKEN, base_url=f"{world.url}/bot")
    async with other:
        with pytest.raises(BadRequest, match="Chat not found"):
            await other.send_message(world.group.id, "bukan anggota")


async def test_server_errors_and_dropped_connections(world: World, ptb: telegram.Bot) -> None:
    world.sandbox.add_fault("server_error", count=1, status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await ptb.send_message(world.group.id, "a")
    world.sandbox.add_fault("server_error", count=1, status=500, methods=["*"])
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await ptb.get_me()
    world.sandbox.add_fault("drop", count=1)
    with pytest.raises(NetworkError):
        await ptb.send_message(world.group.id, "b")
    await ptb.send_message(world.group.id, "c")
    assert [m.text for m in world.sandbox.messages(world.group.id)] == ["c"]
    assert world.sandbox.stats.faults_injected == {"server_error": 2, "drop": 1}


async def test_buttons_deletion_and_commands(world: World, ptb: telegram.Bot) -> None:
    keyboard = telegram.InlineKeyboardMarkup(
        [[telegram.InlineKeyboardButton("Hadir", callback_data="rsvp:yes")]]
    )
    sent = await ptb.send_message(world.group.id, "Rapat RT Jumat", reply_markup=keyboard)
    assert sent.reply_markup == keyboard
    await fresh_updates(ptb)
    query_id = world.sandbox.community.press_button(
        world.group.id, sent.message_id, world.residents[0].id, "rsvp:yes"
    )
    (update,) = await fresh_updates(ptb)
    assert update.callback_query is not None and update.callback_query.data == "rsvp:yes"
    assert await ptb.answer_callback_query(query_id, text="Tercatat")
    with pytest.raises(BadRequest, match="Query is too old"):
        await ptb.answer_callback_query(query_id)
    assert await ptb.delete_message(world.group.id, sent.message_id)
    assert world.sandbox.messages(world.group.id)[0].deleted
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await ptb.delete_message(world.group.id, sent.message_id)
    await ptb.set_my_commands([("daftar", "Daftarkan grup ke wilayah")])
    assert [(c.command, c.description) for c in await ptb.get_my_commands()] == [
        ("daftar", "Daftarkan grup ke wilayah")
    ]


async def test_stop_ends_pending_long_poll_and_restart_works(
    world: World, ptb: telegram.Bot
) -> None:
    await fresh_updates(ptb)
    pending = asyncio.create_task(ptb.get_updates(timeout=30))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    await world.sandbox.stop()
    assert await pending == ()
    assert time.monotonic() - started < 2
    url = await world.sandbox.start()
    again = telegram.Bot(TOKEN, base_url=f"{url}/bot")
    async with again:
        world.sandbox.community.user_command(world.group.id, world.admin.id, "lagi")
        assert [u.message.text for u in await again.get_updates(timeout=1) if u.message] == [
            "/lagi"
        ]


async def test_residents_joining_and_chat_member_updates(world: World, ptb: telegram.Bot) -> None:
    community = world.sandbox.community
    community.promote_bot(world.group.id, TOKEN, by_user=world.admin.id)
    await fresh_updates(ptb)
    newcomer = community.add_user("Warga Baru")
    community.add_member(world.group.id, newcomer.id, by_user=world.admin.id)
    community.set_member_status(world.group.id, newcomer.id, "administrator")
    # chat_member is only delivered when asked for, and only to admin bots.
    updates = await ptb.get_updates(allowed_updates=["message", "chat_member"])
    assert update_types(updates) == ["chat_member", "message", "chat_member"]
    joined = updates[1].message
    assert joined is not None and [u.id for u in joined.new_chat_members] == [newcomer.id]
    promoted = updates[2].chat_member
    assert promoted is not None and promoted.new_chat_member.status == "administrator"
    assert (await ptb.get_chat_member(world.group.id, newcomer.id)).status == "administrator"
    with pytest.raises(ValueError, match="status must be one of"):
        community.set_member_status(world.group.id, newcomer.id, "creator")
