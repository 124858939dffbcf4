"""``broadcaster sandbox`` plays residents reporting hoaxes: a member posts a picture, another
replies /lapor to it, a third forwards it to the bot privately; the bot's update queue holds
what a real Bot API would send (with ``reply_to_message`` and ``forward_origin``)."""

from __future__ import annotations

from adapters.sandbox.telegram import TelegramSandbox

from .conftest import TOKEN
from .test_cli import cli, cli_json, sandbox  # noqa: F401 - the fixture


async def test_media_reply_lapor_and_forward_from_the_shell(sandbox: TelegramSandbox) -> None:  # noqa: F811
    created = await cli_json(
        sandbox, "create-group", "RT 002", "--admin", "Pak RT", "--member", "Bu Ani"
    )
    chat, admin = created["chat"]["id"], created["admin"]["id"]
    (member,) = [m["id"] for m in created["members"]]
    await cli(sandbox, "add-bot", str(chat))
    posted = await cli_json(
        sandbox, "media", str(chat), str(member), "--caption", "Tanggul jebol malam ini!"
    )
    assert posted["caption"] == "Tanggul jebol malam ini!" and posted["photo"]
    photo = posted["message_id"]
    await cli(sandbox, "reply", str(chat), str(admin), str(photo), "/lapor")
    forwarded = await cli_json(sandbox, "forward", str(admin), str(chat), str(photo))
    assert forwarded["chat"]["id"] == admin and forwarded["forward_origin"]["type"] == "user"
    assert forwarded["photo"][-1]["file_unique_id"] == posted["photo"][-1]["file_unique_id"]
    bot_id = int(TOKEN.split(":")[0])
    updates = await sandbox.state.queue(bot_id).get_updates(None, 100, 0, None)
    messages = [u["message"] for u in updates if "message" in u]
    lapor = next(m for m in messages if m.get("text") == "/lapor")
    assert lapor["reply_to_message"]["message_id"] == photo
    assert any("forward_origin" in m for m in messages)
