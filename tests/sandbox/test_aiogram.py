"""The sandbox driven by unmodified aiogram 3 over real HTTP (multipart/form bodies)."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod
from aiogram.types import BufferedInputFile

from .conftest import TOKEN, World, aiogram_bot


async def test_get_me_and_html_message(world: World, aio: Bot) -> None:
    me = await aio.get_me()
    assert me.id == 123456 and me.is_bot
    sent = await aio.send_message(
        world.group.id,
        "<b>Info</b> <a href='https://bantenprov.go.id'>Pemprov</a>",
        parse_mode="HTML",
    )
    assert sent.text == "Info Pemprov"
    assert sent.entities is not None
    assert [(e.type, e.offset, e.length, e.url) for e in sent.entities] == [
        ("bold", 0, 4, None),
        ("text_link", 5, 7, "https://bantenprov.go.id"),
    ]
    assert world.sandbox.messages(world.group.id)[0].entities[1].url == "https://bantenprov.go.id"


async def test_uploads_arrive_as_multipart(world: World, aio: Bot) -> None:
    photo = BufferedInputFile(b"\x89PNG fake image", filename="peta-banjir.png")
    sent = await aio.send_photo(world.group.id, photo, caption="Peta genangan")
    assert sent.photo and sent.caption == "Peta genangan"
    document = await aio.send_document(
        world.group.id, BufferedInputFile(b"%PDF-1.4", filename="edaran.pdf")
    )
    assert document.document is not None and document.document.file_name == "edaran.pdf"
    assert document.document.file_size == 8
    # Without files aiogram posts URL-encoded forms; with files, multipart.
    encodings = world.sandbox.stats.body_encodings
    assert encodings["multipart"] == 2 and encodings["urlencoded"] == 0


async def test_bad_request_descriptions_are_exact(world: World, aio: Bot) -> None:
    with pytest.raises(TelegramBadRequest) as caught:
        await aio.send_message(world.group.id, "<b>belum ditutup", parse_mode="HTML")
    assert caught.value.message == (
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""
    )
    with pytest.raises(TelegramBadRequest) as caught:
        await aio.send_message(world.group.id, "<b>x</i>", parse_mode="HTML")
    assert caught.value.message == (
        "Bad Request: can't parse entities: Unmatched end tag at byte offset 4, "
        'expected "</b>", found "</i>"'
    )
    with pytest.raises(TelegramBadRequest) as caught:
        await aio.send_message(world.group.id, "y" * 5000)
    assert caught.value.message == "Bad Request: message is too long"
    with pytest.raises(TelegramBadRequest) as caught:
        await aio.send_message(-1, "x")
    assert caught.value.message == "Bad Request: chat not found"


async def test_poll_answers_reach_aiogram(world: World, aio: Bot) -> None:
    message = await aio.send_poll(
        world.group.id,
        "Jadwal fogging?",
        ["Sabtu", "Minggu", "Senin"],
        is_anonymous=False,
        allows_multiple_answers=True,
    )
    assert message.poll is not None and message.poll.allows_multiple_answers
    world.sandbox.community.vote(message.poll.id, world.residents[1].id, [0, 2])
    updates = await aio.get_updates(offset=3)
    answer = updates[0].poll_answer
    assert answer is not None and answer.user is not None
    assert (answer.poll_id, answer.user.id, answer.option_ids) == (
        message.poll.id,
        world.residents[1].id,
        [0, 2],
    )
    poll = updates[1].poll
    assert poll is not None and [o.voter_count for o in poll.options] == [1, 0, 1]
    closed = await aio.stop_poll(world.group.id, message.message_id)
    assert closed.is_closed


async def test_typed_errors(world: World, aio: Bot) -> None:
    world.sandbox.add_fault("rate_limit", count=1, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as retry:
        await aio.send_message(world.group.id, "a")
    assert retry.value.retry_after == 7
    assert "Too Many Requests: retry after 7" in retry.value.message

    world.sandbox.add_fault("server_error", count=1, status=502)
    with pytest.raises(TelegramServerError):
        await aio.send_message(world.group.id, "b")

    world.sandbox.add_fault("drop", count=1)
    with pytest.raises(TelegramNetworkError):
        await aio.send_message(world.group.id, "c")

    supergroup = world.sandbox.community.migrate_group(world.group.id)
    with pytest.raises(TelegramMigrateToChat) as migrate:
        await aio.send_message(world.group.id, "d")
    assert migrate.value.migrate_to_chat_id == supergroup.id

    world.sandbox.community.remove_bot(supergroup.id, TOKEN, by_user=world.admin.id)
    with pytest.raises(TelegramForbiddenError) as forbidden:
        await aio.send_message(supergroup.id, "e")
    assert forbidden.value.message == "Forbidden: bot was kicked from the supergroup chat"


async def test_unknown_token_and_method(world: World) -> None:
    bot = aiogram_bot(world.url, "999:nobody")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await bot.get_me()
    finally:
        await bot.session.close()

    class NoSuchMethod(TelegramMethod[bool]):
        __returning__ = bool
        __api_method__ = "sendTelepathy"

    bot = aiogram_bot(world.url)
    try:
        with pytest.raises(TelegramNotFound):
            await bot(NoSuchMethod())
    finally:
        await bot.session.close()
