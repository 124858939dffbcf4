"""The admin HTTP API (scripting from another process), raw wire format, and the CLI."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from typing import Any

import httpx
import pytest
import telegram
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from .conftest import TOKEN, SandboxFactory, World

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


async def call(client: httpx.AsyncClient, method: str, path: str, **body: Any) -> Any:
    response = await client.request(method, path, json=body if body else None)
    payload = response.json()
    assert response.status_code == 200 and payload["ok"], payload
    return payload["result"]


async def test_community_scripted_over_http(make_sandbox: SandboxFactory) -> None:
    sandbox = await make_sandbox()
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        admin = await call(client, "POST", "/sandbox/users", first_name="Bu Ani")
        resident = await call(client, "POST", "/sandbox/users", first_name="Pak Joko")
        group = await call(
            client,
            "POST",
            "/sandbox/groups",
            title="RW 005",
            type="supergroup",
            creator=admin["id"],
            members=[resident["id"]],
        )
        assert str(group["id"]).startswith("-100")
        await call(
            client,
            "POST",
            f"/sandbox/chats/{group['id']}/bot",
            bot=TOKEN,
            by_user=admin["id"],
            as_admin=True,
        )
        async with telegram.Bot(TOKEN, base_url=f"{sandbox.url}/bot") as bot:
            message = await bot.send_poll(
                group["id"], "Ronda malam?", ["Ya", "Tidak"], is_anonymous=False
            )
            assert message.poll is not None
            await call(
                client,
                "POST",
                f"/sandbox/polls/{message.poll.id}/votes",
                user_id=resident["id"],
                option_ids=[1],
            )
            # The bot is an admin, so it sees plain messages despite privacy mode.
            await call(
                client,
                "POST",
                f"/sandbox/chats/{group['id']}/messages",
                user_id=resident["id"],
                text="saya ikut",
            )
            updates = await bot.get_updates()
            kinds = [next(k for k in u.to_dict() if k != "update_id") for u in updates]
            assert kinds == ["my_chat_member", "message", "poll_answer", "poll", "message"]
        poll = await call(client, "GET", f"/sandbox/polls/{message.poll.id}")
        assert poll["votes"] == {str(resident["id"]): [1]}
        sent = await call(client, "GET", f"/sandbox/chats/{group['id']}/messages")
        assert sent[0]["poll"]["question"] == "Ronda malam?"
        assert sent[0]["sandbox"]["kind"] == "poll"
        chat = await call(client, "GET", f"/sandbox/chats/{group['id']}")
        assert chat["roster"][str(123456)] == "administrator"
        missing = await client.post("/sandbox/polls/nope/votes", json={"user_id": 1})
        assert missing.status_code == 404 and not missing.json()["ok"]


async def test_faults_over_http(world: World, ptb: telegram.Bot) -> None:
    async with httpx.AsyncClient(base_url=world.url) as client:
        rule = await call(
            client,
            "POST",
            "/sandbox/faults",
            kind="rate_limit",
            count=2,
            retry_after=4,
            methods=["sendMessage"],
        )
        assert rule["remaining"] == 2
        for _ in range(2):
            with pytest.raises(RetryAfter) as caught:
                await ptb.send_message(world.group.id, "x")
            value = caught.value.retry_after
            assert (value.total_seconds() if isinstance(value, timedelta) else value) == 4
        await ptb.send_message(world.group.id, "lolos")

        await call(client, "POST", "/sandbox/faults", kind="server_error", count=1, status=502)
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await ptb.send_message(world.group.id, "y")
        await call(client, "POST", "/sandbox/faults", kind="drop", count=1)
        with pytest.raises(NetworkError):
            await ptb.send_message(world.group.id, "z")

        await call(client, "POST", "/sandbox/faults", kind="slow", delay_ms=300, seconds=30)
        assert len(await call(client, "GET", "/sandbox/faults")) == 1
        started = asyncio.get_running_loop().time()
        await ptb.send_message(world.group.id, "pelan")
        assert asyncio.get_running_loop().time() - started >= 0.3
        await call(client, "DELETE", "/sandbox/faults")
        assert await call(client, "GET", "/sandbox/faults") == []

        supergroup = await call(
            client, "POST", "/sandbox/faults", kind="migrate", chat_id=world.group.id
        )
        with pytest.raises(ChatMigrated) as migrated:
            await ptb.send_message(world.group.id, "lama")
        assert migrated.value.new_chat_id == supergroup["id"]
        await call(
            client, "POST", "/sandbox/faults", kind="kick", chat_id=supergroup["id"], bot=TOKEN
        )
        with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
            await ptb.send_message(supergroup["id"], "baru")
        stats = await call(client, "GET", "/sandbox/stats")
        assert stats["faults_injected"] == {
            "rate_limit": 2,
            "server_error": 1,
            "drop": 1,
            "slow": 1,
        }
        bad = await client.post("/sandbox/faults", json={"kind": "meteor"})
        assert bad.status_code == 400


async def test_limits_changed_over_http(world: World, ptb: telegram.Bot) -> None:
    async with httpx.AsyncClient(base_url=world.url) as client:
        limits = await call(client, "POST", "/sandbox/limits", per_chat_per_second=1)
        assert limits["per_chat_per_second"] == 1
        await ptb.send_message(world.group.id, "a")
        with pytest.raises(RetryAfter):
            await ptb.send_message(world.group.id, "b")
        refused = await client.post("/sandbox/limits", json={"speed": 1})
        assert refused.status_code == 400


async def test_malformed_updates_and_older_member_shapes_over_http(world: World) -> None:
    """What tests of clients need from a Bot API server: an update no library can parse, and
    ChatMember objects without the fields a newer Bot API added."""
    async with httpx.AsyncClient(base_url=world.url) as client:
        update_id = await call(
            client, "POST", "/sandbox/updates", bot=TOKEN, fields={"message": "bukan objek"}
        )
        updates = await call(client, "POST", f"/bot{TOKEN}/getUpdates", offset=update_id)
        assert updates[0] == {"update_id": update_id, "message": "bukan objek"}
        refused = await client.post("/sandbox/updates", json={"bot": TOKEN, "fields": []})
        assert refused.status_code == 400

        omitted = await call(
            client, "POST", "/sandbox/member-fields", omit=["can_send_welcome_messages"]
        )
        assert omitted == ["can_send_welcome_messages"]
        admins = await call(
            client, "POST", f"/bot{TOKEN}/getChatAdministrators", chat_id=world.group.id
        )
        (co_admin,) = [m for m in admins if m["user"]["id"] == world.co_admin.id]
        assert co_admin["status"] == "administrator"
        assert "can_send_welcome_messages" not in co_admin and "can_manage_chat" in co_admin


async def test_wire_format_json_query_and_errors(world: World) -> None:
    base = f"{world.url}/bot{TOKEN}"
    async with httpx.AsyncClient() as client:
        sent = await client.post(
            f"{base}/SENDMESSAGE", json={"chat_id": world.group.id, "text": "lewat JSON"}
        )
        assert sent.json()["ok"] and sent.json()["result"]["text"] == "lewat JSON"
        me = await client.get(f"{base}/getme")
        assert me.json()["result"]["id"] == 123456
        by_query = await client.get(
            f"{base}/sendMessage", params={"chat_id": world.group.id, "text": "lewat query"}
        )
        assert by_query.json()["result"]["message_id"] == sent.json()["result"]["message_id"] + 1
        unknown = await client.post(f"{base}/sendTelepathy")
        assert (unknown.status_code, unknown.json()) == (
            404,
            {"ok": False, "error_code": 404, "description": "Not Found"},
        )
        stranger = await client.post(f"{world.url}/bot42:nobody/getMe")
        assert (stranger.status_code, stranger.json()) == (
            401,
            {"ok": False, "error_code": 401, "description": "Unauthorized"},
        )
        malformed = await client.post(f"{world.url}/botnotatoken/getMe")
        assert malformed.status_code == 404
        elsewhere = await client.get(f"{world.url}/favicon.ico")
        assert elsewhere.json()["description"] == "Not Found"
        world.sandbox.add_fault("rate_limit", count=1, retry_after=3)
        limited = await client.post(
            f"{base}/sendMessage", data={"chat_id": str(world.group.id), "text": "x"}
        )
        assert (limited.status_code, limited.json()) == (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 3",
                "parameters": {"retry_after": 3},
            },
        )
        migrated_id = world.sandbox.community.migrate_group(world.group.id).id
        moved = await client.post(
            f"{base}/sendMessage", data={"chat_id": str(world.group.id), "text": "x"}
        )
        assert moved.json() == {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: group chat was upgraded to a supergroup chat",
            "parameters": {"migrate_to_chat_id": migrated_id},
        }


async def test_admin_token_is_required_when_configured(make_sandbox: SandboxFactory) -> None:
    sandbox = await make_sandbox(admin_token="s3cret")
    async with httpx.AsyncClient(base_url=sandbox.url) as client:
        assert (await client.get("/sandbox/stats")).status_code == 401
        allowed = await client.get("/sandbox/stats", headers={"Authorization": "Bearer s3cret"})
        assert allowed.status_code == 200


async def test_command_line_entry_point() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters.sandbox.telegram",
        "--port",
        "0",
        "--bot",
        TOKEN,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        url = (await asyncio.wait_for(process.stdout.readline(), 10)).decode().strip()
        assert url.startswith("http://127.0.0.1:")
        async with telegram.Bot(TOKEN, base_url=f"{url}/bot") as bot:
            assert (await bot.get_me()).id == 123456
            with pytest.raises(BadRequest, match="Chat not found"):
                await bot.send_message(-5, "x")
    finally:
        process.terminate()
        assert await asyncio.wait_for(process.wait(), 10) == 0
