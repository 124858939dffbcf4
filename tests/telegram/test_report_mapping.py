"""Telegram /lapor and forwards → ``report`` events, on raw Bot API JSON (both drivers hand
the same JSON to the one mapping): the replied-to text, caption or media is the report."""

from __future__ import annotations

from typing import Any

from adapters.telegram.updates import BotIdentity, command_needs_admin_check, map_update

BOT = BotIdentity(777, "kominfo_bot")
GROUP = {"id": -4001, "type": "group", "title": "RT 01"}
PRIVATE = {"id": 11, "type": "private", "first_name": "Bu Siti"}
SITI = {"id": 11, "is_bot": False, "first_name": "Bu Siti"}
JOKO = {"id": 12, "is_bot": False, "first_name": "Pak Joko"}
HOAX = "Besok pemadaman listrik total se-Banten 3 hari! Sebarkan!!"
PHOTO = [
    {"file_id": "a-s", "file_unique_id": "AQADsmall", "width": 90, "height": 90},
    {"file_id": "a-m", "file_unique_id": "AQADlarge", "width": 800, "height": 600},
    {"file_id": "a-x", "file_unique_id": "AQADmid", "width": 320, "height": 240},
]


def update(chat: dict[str, Any] = GROUP, **fields: Any) -> dict[str, Any]:
    body = {"message_id": 50, "date": 1_700_000_000, "chat": chat, "from": SITI, **fields}
    return {"update_id": 9, "message": body}


def original(**fields: Any) -> dict[str, Any]:
    return {"message_id": 49, "date": 1_699_999_000, "chat": GROUP, "from": JOKO, **fields}


def test_group_reply_reports_the_replied_text() -> None:
    event = map_update(update(text="/lapor", reply_to_message=original(text=HOAX)), "tg", BOT)
    assert event is not None and event.kind == "report"
    assert event.address == "-4001" and event.event_id == "777:9:-4001"
    assert event.data == {
        "user": 11,
        "text": HOAX,
        "media": None,
        "media_hash": None,
        "direct": False,
        "forwarded": False,
        "message_id": "49",
    }
    assert not command_needs_admin_check(event)


def test_group_reply_with_our_username_and_a_comment_reports_the_original_only() -> None:
    replied = original(text=HOAX)
    event = map_update(
        update(text="/LAPOR@Kominfo_Bot ini benar?", reply_to_message=replied), "tg", BOT
    )
    assert event is not None and event.kind == "report" and event.data["text"] == HOAX


def test_a_lapor_for_another_bot_is_not_ours() -> None:
    replied = original(text=HOAX)
    assert map_update(update(text="/lapor@other_bot", reply_to_message=replied), "tg", BOT) is None


def test_replied_photo_reports_caption_and_largest_size() -> None:
    replied = original(photo=PHOTO, caption="Foto banjir di Serang hari ini")
    event = map_update(update(text="/lapor", reply_to_message=replied), "tg", BOT)
    assert event is not None and event.kind == "report"
    assert event.data["media"] == "AQADlarge"
    assert event.data["text"] == "Foto banjir di Serang hari ini"


def test_replied_document_or_video_reports_its_file() -> None:
    for field in ("document", "video"):
        replied = original(**{field: {"file_id": "x", "file_unique_id": f"U-{field}"}})
        event = map_update(update(text="/lapor", reply_to_message=replied), "tg", BOT)
        assert event is not None and event.data["media"] == f"U-{field}"
        assert event.data["text"] == ""


def test_replied_forwarded_message_is_marked_forwarded() -> None:
    replied = original(
        text=HOAX, forward_origin={"type": "hidden_user", "date": 1, "sender_user_name": "X"}
    )
    event = map_update(update(text="/lapor", reply_to_message=replied), "tg", BOT)
    assert event is not None and event.data["forwarded"] is True


def test_bare_lapor_in_a_group_asks_for_the_howto() -> None:
    event = map_update(update(text="/lapor"), "tg", BOT)
    assert event is not None and event.kind == "command"
    assert event.data["command"] == "lapor" and event.data["direct"] is False
    assert not command_needs_admin_check(event)  # anyone may report: no getChatMember


def test_lapor_with_text_in_a_group_reports_the_text() -> None:
    event = map_update(update(text=f"/lapor {HOAX}"), "tg", BOT)
    assert event is not None and event.kind == "report"
    assert event.data["text"] == HOAX and event.data["direct"] is False
    assert event.data["message_id"] == "50"


def test_private_lapor_with_text_is_direct() -> None:
    event = map_update(update(PRIVATE, text=f"/lapor {HOAX}"), "tg", BOT)
    assert event is not None and event.kind == "report"
    assert event.address == "11" and event.data["direct"] is True and event.data["text"] == HOAX


def test_private_photo_with_lapor_caption_reports_the_photo() -> None:
    event = map_update(update(PRIVATE, photo=PHOTO, caption="/lapor"), "tg", BOT)
    assert event is not None and event.kind == "report"
    assert event.data["media"] == "AQADlarge" and event.data["text"] == ""


def test_private_forward_is_a_report_old_and_new_fields() -> None:
    new = {
        "forward_origin": {"type": "channel", "date": 1, "chat": {"id": -100, "type": "channel"}}
    }
    old = {"forward_from_chat": {"id": -100, "type": "channel"}, "forward_date": 1}
    for fields in (new, old, {"forward_sender_name": "Someone", "forward_date": 1}):
        event = map_update(update(PRIVATE, text=HOAX, **fields), "tg", BOT)
        assert event is not None and event.kind == "report", fields
        assert event.data["forwarded"] is True and event.data["direct"] is True
        assert event.data["text"] == HOAX and event.data["message_id"] == "50"


def test_private_forwarded_photo_without_caption_is_a_report() -> None:
    origin = {"type": "user", "date": 1, "sender_user": JOKO}
    event = map_update(update(PRIVATE, photo=PHOTO, forward_origin=origin), "tg", BOT)
    assert event is not None and event.kind == "report"
    assert event.data["media"] == "AQADlarge" and event.data["text"] == ""


def test_private_bare_lapor_asks_for_the_howto_privately() -> None:
    event = map_update(update(PRIVATE, text="/lapor"), "tg", BOT)
    assert event is not None and event.kind == "command" and event.data["direct"] is True


def test_ordinary_messages_are_unchanged() -> None:
    # a forward into a group is conversation, not a report
    origin = {"type": "user", "date": 1, "sender_user": JOKO}
    assert map_update(update(text=HOAX, forward_origin=origin), "tg", BOT) is None
    # a private message that is neither /lapor nor forwarded
    assert map_update(update(PRIVATE, text="halo"), "tg", BOT) is None
    # /laporan is another word, /daftar still a command with the admin check
    assert map_update(update(text="/laporan"), "tg", BOT) is not None  # a command, not ours
    daftar = map_update(update(text="/daftar 3671010001"), "tg", BOT)
    assert daftar is not None and daftar.kind == "command" and command_needs_admin_check(daftar)
    # a reply to the bot's own message stays a reply
    mine = original(text="Pengumuman", **{"from": {"id": 777, "is_bot": True, "first_name": "B"}})
    reply = map_update(update(text="siap", reply_to_message=mine), "tg", BOT)
    assert reply is not None and reply.kind == "reply"


def test_forwarded_sticker_has_nothing_to_report() -> None:
    origin = {"type": "user", "date": 1, "sender_user": JOKO}
    sticker = {"file_id": "s", "file_unique_id": "S1", "type": "regular"}
    assert map_update(update(PRIVATE, sticker=sticker, forward_origin=origin), "tg", BOT) is None
