"""Whole frameworks against the sandbox: PTB's Application and aiogram's Dispatcher polling."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiogram import Dispatcher
from aiogram.filters import Command
from aiogram.types import Message, PollAnswer
from telegram import Update
from telegram.ext import Application, ChatMemberHandler, CommandHandler, ContextTypes

from adapters.sandbox.telegram import TelegramSandbox

from .conftest import TOKEN, SandboxFactory, aiogram_bot, populate


async def eventually(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.02)


async def test_ptb_application_polls_and_replies(make_sandbox: SandboxFactory) -> None:
    sandbox: TelegramSandbox = await make_sandbox()
    world = populate(sandbox)
    seen: list[str] = []

    async def on_register(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        seen.append(update.message.text)
        await update.message.reply_text("Terdaftar untuk RT 001")

    async def on_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.my_chat_member is not None
        seen.append(update.my_chat_member.new_chat_member.status)

    app = Application.builder().token(TOKEN).base_url(f"{sandbox.url}/bot").build()
    app.add_handler(CommandHandler("daftar", on_register))
    app.add_handler(ChatMemberHandler(on_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        sandbox.community.user_command(world.group.id, world.admin.id, "daftar", "3671010001")
        await eventually(lambda: len(sandbox.messages(world.group.id)) == 1)
        await app.updater.stop()
        await app.stop()
    assert seen == ["member", "/daftar 3671010001"]
    reply = sandbox.messages(world.group.id)[0]
    assert reply.text == "Terdaftar untuk RT 001"
    assert reply.reply_to_message_id is not None


async def test_aiogram_dispatcher_receives_commands_and_votes(
    make_sandbox: SandboxFactory,
) -> None:
    sandbox = await make_sandbox()
    world = populate(sandbox)
    dispatcher = Dispatcher()
    seen: list[object] = []

    @dispatcher.message(Command("daftar"))
    async def on_register(message: Message) -> None:
        seen.append(message.text)
        await message.answer("OK")

    @dispatcher.poll_answer()
    async def on_vote(answer: PollAnswer) -> None:
        seen.append(answer.option_ids)

    bot = aiogram_bot(sandbox.url)
    poll_message = await bot.send_poll(
        world.group.id, "Setuju?", ["Ya", "Tidak"], is_anonymous=False
    )
    assert poll_message.poll is not None
    polling = asyncio.create_task(
        dispatcher.start_polling(bot, polling_timeout=1, handle_signals=False)
    )
    try:
        sandbox.community.user_command(world.group.id, world.admin.id, "daftar", "rw")
        sandbox.community.vote(poll_message.poll.id, world.residents[0].id, [1])
        await eventually(lambda: len(seen) == 2 and len(sandbox.messages(world.group.id)) == 2)
    finally:
        await dispatcher.stop_polling()
        await polling
    assert seen == ["/daftar rw", [1]]
