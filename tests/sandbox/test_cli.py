"""``broadcaster sandbox``: the CLI driving a running emulator over its admin HTTP API.

The emulator runs in the test's event loop; each CLI call runs in a worker thread (the CLI is
synchronous), so the emulator keeps answering while the command waits.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import telegram
from typer.testing import CliRunner, Result

from adapters.sandbox.cli import app
from adapters.sandbox.telegram import SandboxConfig, TelegramSandbox
from broadcaster.cli.main import app as broadcaster_app

from .conftest import RELAXED, TOKEN

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
async def sandbox() -> AsyncIterator[TelegramSandbox]:
    sb = TelegramSandbox(SandboxConfig(limits=RELAXED))
    sb.register_bot(TOKEN, username="kominfo_cli_bot")
    await sb.start()
    yield sb
    await sb.stop()


async def cli(sb: TelegramSandbox, *args: str, code: int = 0) -> Result:
    result = await asyncio.to_thread(CliRunner().invoke, app, ["--url", sb.url, *args])
    assert result.exit_code == code, result.output
    return result


async def cli_json(sb: TelegramSandbox, *args: str) -> Any:
    return json.loads((await cli(sb, "--json", *args)).stdout)


async def test_a_community_scripted_from_the_shell(sandbox: TelegramSandbox) -> None:
    created = await cli_json(
        sandbox, "create-group", "RT 001 / RW 001", "--admin", "Bu Siti", "--member", "Pak Joko"
    )
    chat, admin = created["chat"]["id"], created["admin"]["id"]
    (member,) = [m["id"] for m in created["members"]]
    assert sandbox.state.chat(chat).roster == {admin: "creator", member: "member"}

    added = await cli(sandbox, "add-bot", str(chat), "--bot-username", "@Kominfo_CLI_bot")
    assert added.stdout.strip() == f"bot {TOKEN.split(':')[0]} added to {chat}"
    command = await cli(
        sandbox, "command", str(chat), str(admin), "/daftar 3671010001.RW001.RT001 rt"
    )
    assert command.stdout.strip().endswith(": /daftar 3671010001.RW001.RT001 rt")
    queued = sandbox.state.queue(int(TOKEN.split(":")[0]))
    assert queued.pending_count == 3  # my_chat_member, the join message, the command

    async with telegram.Bot(TOKEN, base_url=f"{sandbox.url}/bot") as bot:
        text = await bot.send_message(chat, "Peringatan banjir")
        poll = await bot.send_poll(chat, "Tergenang?", ["Ya", "Tidak"], is_anonymous=False)
    assert poll.poll is not None
    shown = (await cli(sandbox, "messages", str(chat))).stdout.splitlines()
    assert shown == [
        f"#{text.message_id}\tPeringatan banjir",
        f"#{poll.message_id}\tpoll {poll.poll.id} 'Tergenang?': Ya=0 Tidak=0 (open, public)",
    ]
    voted = await cli(sandbox, "vote", poll.poll.id, str(member), "1")
    assert "Ya=0 Tidak=1" in voted.stdout
    retracted = await cli(sandbox, "vote", poll.poll.id, str(member))
    assert "Ya=0 Tidak=0" in retracted.stdout and sandbox.poll(poll.poll.id).votes == {}
    await cli(sandbox, "reply", str(chat), str(member), str(text.message_id), "Sudah surut")
    replied = sandbox.state.chat(chat).messages
    assert any(m.reply_to_message_id == text.message_id for m in replied.values())

    listed = (await cli(sandbox, "chats")).stdout
    assert f"{chat}\tgroup\t3 members\t2 bot messages\tRT 001 / RW 001" in listed
    assert str(admin) in (await cli(sandbox, "users")).stdout


async def test_faults_kicks_and_migrations(sandbox: TelegramSandbox) -> None:
    created = await cli_json(sandbox, "create-group", "RW 002", "--admin", "Pak RW")
    chat = created["chat"]["id"]
    await cli(sandbox, "add-bot", str(chat))  # the only bot
    storm = await cli_json(sandbox, "fault", "rate-limit", "--count", "2", "--retry-after", "3")
    assert storm["kind"] == "rate_limit" and storm["remaining"] == 2
    assert "rate_limit" in (await cli(sandbox, "faults")).stdout
    await cli(sandbox, "faults", "--clear")
    assert sandbox.faults.active() == []
    await cli(sandbox, "fault", "server-error", "--status", "503", "--seconds", "5")
    assert sandbox.faults.active()[0].status == 503

    moved = await cli(sandbox, "migrate", str(chat))
    supergroup = sandbox.state.chat(chat).migrated_to
    assert supergroup is not None and moved.stdout.strip().endswith(str(supergroup))
    await cli(sandbox, "kick", str(supergroup))
    assert sandbox.state.chat(supergroup).roster[int(TOKEN.split(":")[0])] == "kicked"


async def test_refusals_and_an_absent_sandbox(sandbox: TelegramSandbox) -> None:
    refused = await cli(sandbox, "add-bot", "-999", "--bot", TOKEN, "--by", "1", code=1)
    assert "the sandbox refused" in refused.output
    unknown = await cli(sandbox, "add-bot", "-999", "--bot-username", "nobody_bot", code=1)
    assert "no bot @nobody_bot; known: @kominfo_cli_bot" in unknown.output
    absent = await asyncio.to_thread(
        CliRunner().invoke, app, ["status"], env={"BROADCASTER_SANDBOX_URL": "http://127.0.0.1:9"}
    )
    assert absent.exit_code == 1 and "no sandbox answers at http://127.0.0.1:9" in absent.output


async def test_mounted_under_the_broadcaster_command(sandbox: TelegramSandbox) -> None:
    result = await asyncio.to_thread(
        CliRunner().invoke, broadcaster_app, ["sandbox", "--url", sandbox.url, "status"]
    )
    assert result.exit_code == 0, result.output
    assert f"sandbox {sandbox.url}: bots @kominfo_cli_bot" in result.stdout
