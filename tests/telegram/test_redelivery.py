"""A redelivered update (same ``update_id``) is applied once (issue #10, point 7), even when the
server restamps it (another ``date``, as a Bot API server replaying its queue may do): the event
id is the update's identity (bot, update id, chat or poll), not its content. Through the
service's real HTTP app and store."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import httpx
import pytest

from broadcaster.http import create_http_app
from tests.core.harness import rig

from .test_webhook import HEADER, SECRET, joined

URL = "/hooks/tg/telegram"


def command(update_id: int, chat_id: int = -4200) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 31,
            "date": 1_700_000_100,
            "chat": {"id": chat_id, "type": "group", "title": "RT 05"},
            "from": {"id": 11, "is_bot": False, "first_name": "Bu Siti"},
            "text": "/bantuan",
            "entities": [{"type": "bot_command", "offset": 0, "length": 8}],
        },
    }


def restamped(update: dict[str, Any], key: str) -> dict[str, Any]:
    again = copy.deepcopy(update)
    again[key]["date"] += 7
    return again


async def test_a_redelivered_update_is_applied_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TG_HOOK_SECRET", SECRET)
    account = {
        "adapter": "telegram",
        "sandbox": True,
        "updates": "webhook",
        "webhook_url": "http://127.0.0.1:9/hooks/tg/telegram",
        "webhook_secret_env": "TG_HOOK_SECRET",
    }
    async with rig(tmp_path, start=False, accounts={"tg": account}) as r:
        store = r.app.store
        transport = httpx.ASGITransport(app=create_http_app(r.engine))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            headers = {HEADER: SECRET}
            first = joined(1)
            for update in (first, first, restamped(first, "my_chat_member")):
                answer = await client.post(URL, json=update, headers=headers)
                assert answer.status_code == 200
            assert len(await store.pending_notices("tg")) == 1  # one welcome

            help_ = command(2)
            for update in (help_, restamped(help_, "message")):
                answer = await client.post(URL, json=update, headers=headers)
                assert answer.status_code == 200
            assert len(await store.pending_notices("tg")) == 2  # one answer to /bantuan

            # a new update about the same chat is not a redelivery
            answer = await client.post(URL, json=command(3), headers=headers)
            assert answer.status_code == 200
            assert len(await store.pending_notices("tg")) == 3
