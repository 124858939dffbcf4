"""``@username`` addresses of public supergroups and channels (issue #10, point 21): the Bot API
takes ``@username`` as ``chat_id`` for them, so the adapter accepts the form (5-32 letters,
digits or underscores, starting with a letter) and sends there, with both drivers."""

from __future__ import annotations

import pytest

from adapters.telegram import TelegramAdapter
from broadcaster.adapter import ChannelMessage
from broadcaster.errors import InputError


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("@grup_rt01", "@grup_rt01"),
        (" @InfoBanten ", "@infobanten"),
        ("@abcde", "@abcde"),
        ("@" + "a" * 32, "@" + "a" * 32),
    ],
)
def test_public_usernames_are_addresses(given: str, canonical: str) -> None:
    assert TelegramAdapter.normalize_address(given) == canonical


@pytest.mark.parametrize(
    "bad",
    ["@abcd", "@" + "a" * 33, "@grup-rt01", "@1grup", "@_grup", "@grup rt01", "grup_rt01", "@"],
)
def test_malformed_usernames_are_refused(bad: str) -> None:
    with pytest.raises(InputError, match="@username"):
        TelegramAdapter.normalize_address(bad)


async def test_announcement_reaches_a_public_supergroup_by_username(tg: TelegramAdapter) -> None:
    sb = tg.sandbox
    (bot,) = sb.state.bots
    admin = sb.community.add_user("Pak RW")
    group = sb.community.create_group(
        "Info Banten", chat_type="supergroup", creator=admin.id, username="InfoBanten"
    )
    sb.community.add_bot(group.id, bot, by_user=admin.id, as_admin=True)
    address = TelegramAdapter.normalize_address("@InfoBanten")
    result = await tg.send(
        ChannelMessage("text", {"text": "Halo warga", "parse_mode": None}), address
    )
    arrived = sb.messages(group.id)[-1]
    assert str(arrived.message_id) == result.message_id and arrived.text == "Halo warga"
    await tg.notify(address, "Selamat datang")
    assert sb.messages(group.id)[-1].text == "Selamat datang"
