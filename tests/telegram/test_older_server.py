"""A Bot API server older than the client library (issue #10, point 6): its ChatMember objects lack
fields aiogram 3 requires (``can_send_welcome_messages``). Membership is read tolerantly, so with
both drivers an administrator's /daftar is recognised and the bot joining as an administrator is
seen. The emulator plays the older server (``omit_member_fields``)."""

from __future__ import annotations

from adapters.sandbox.telegram import NEWER_MEMBER_FIELDS
from adapters.telegram import TelegramAdapter

from .conftest import AdapterFactory, bot_id
from .test_inbound import Collector, polling


async def test_admin_commands_work_against_an_older_bot_api_server(
    make_adapter: AdapterFactory, driver: str
) -> None:
    tg: TelegramAdapter = await make_adapter(driver=driver)
    sb, bot = tg.sandbox, bot_id(tg)
    sb.config.omit_member_fields = NEWER_MEMBER_FIELDS
    community = sb.community
    owner, admin, member = (community.add_user(n) for n in ("Bu Siti", "Pak RT", "Pak Joko"))
    group = community.create_group(
        "RT 001 Tajur", creator=owner.id, admins=[admin.id], members=[member.id]
    )
    sink = Collector()
    async with polling(tg, sink):
        community.add_bot(group.id, bot, by_user=owner.id, as_admin=True)
        community.user_command(group.id, admin.id, "daftar", "3671010001.RW001.RT001", "rt")
        community.user_command(group.id, member.id, "daftar", "3671010001.RW001.RT001", "rt")
        events = await sink.wait_for(3, within=10)
    assert [e.kind for e in events] == ["joined", "command", "command"]
    assert events[1].data["user"] == admin.id and events[1].data["is_admin"] is True
    assert events[2].data["user"] == member.id and events[2].data["is_admin"] is False
