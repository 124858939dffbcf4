"""The update → event mapping on raw Bot API JSON: edge cases the emulator does not produce."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.telegram.polls import MAX_AHEAD, close_date_for
from adapters.telegram.updates import BotIdentity, command_needs_admin_check, map_update

BOT = BotIdentity(777, "kominfo_bot")
GROUP = {"id": -4001, "type": "group", "title": "RT 01"}
ADMIN = {"id": 11, "is_bot": False, "first_name": "Bu Siti"}


def message(text: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"message_id": 5, "date": 1_700_000_000, "chat": GROUP, "from": ADMIN}
    if text is not None:
        body["text"] = text
    return {"update_id": 9, "message": {**body, **extra}}


def member_update(old: str, new: str, chat: dict[str, Any] = GROUP, **new_extra: Any) -> Any:
    bot_user = {"id": BOT.id, "is_bot": True, "first_name": "Bot"}
    return {
        "update_id": 3,
        "my_chat_member": {
            "chat": chat,
            "from": ADMIN,
            "date": 1_700_000_000,
            "old_chat_member": {"status": old, "user": bot_user},
            "new_chat_member": {"status": new, "user": bot_user, **new_extra},
        },
    }


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        ("left", "member", "joined"),
        ("kicked", "administrator", "joined"),
        ("member", "administrator", None),  # promoted: still there
        ("member", "kicked", "left"),
        ("administrator", "left", "left"),
        ("left", "restricted", None),  # restricted but not a member
    ],
)
def test_membership_changes(old: str, new: str, kind: str | None) -> None:
    event = map_update(member_update(old, new), "tg", BOT)
    assert (event.kind if event else None) == kind
    if event is not None:
        assert event.address == "-4001" and event.event_id == "777:3:-4001"


def test_restricted_member_counts_as_present_and_private_chats_are_ignored() -> None:
    joined = map_update(member_update("left", "restricted", is_member=True), "tg", BOT)
    assert joined is not None and joined.kind == "joined" and joined.data == {"title": "RT 01"}
    private = {"id": 11, "type": "private", "first_name": "Bu Siti"}
    assert map_update(member_update("member", "kicked", chat=private), "tg", BOT) is None


@pytest.mark.parametrize(
    ("text", "command", "args"),
    [
        ("/daftar 3671010001.RW001.RT001 rt", "daftar", ["3671010001.RW001.RT001", "rt"]),
        ("/Daftar@Kominfo_Bot  3671010001\nrt", "daftar", ["3671010001", "rt"]),
        ("/status", "status", []),
    ],
)
def test_commands_to_us(text: str, command: str, args: list[str]) -> None:
    event = map_update(message(text), "tg", BOT)
    assert event is not None and event.kind == "command"
    assert event.data == {"command": command, "args": args, "user": 11, "title": "RT 01"}
    assert command_needs_admin_check(event)


@pytest.mark.parametrize("text", ["/daftar@other_bot 3671", "halo /daftar", "/", "/-x"])
def test_not_commands_for_us(text: str) -> None:
    assert map_update(message(text), "tg", BOT) is None


def test_an_anonymous_admin_is_an_admin_without_asking() -> None:
    update = message("/berhenti", sender_chat=GROUP, **{"from": {"id": 1087968824, "is_bot": True}})
    event = map_update(update, "tg", BOT)
    assert event is not None and event.data["is_admin"] is True
    assert event.data["user"] == "chat:-4001" and not command_needs_admin_check(event)


def test_other_bots_and_non_text_messages_are_ignored() -> None:
    assert (
        map_update(message("/daftar 1", **{"from": {"id": 5, "is_bot": True}}), "tg", BOT) is None
    )
    assert map_update(message(None, photo=[{"file_id": "x"}]), "tg", BOT) is None
    assert map_update({"update_id": "x"}, "tg", BOT) is None
    assert map_update({"update_id": 1, "edited_message": {}}, "tg", BOT) is None


def test_replies_only_to_our_messages_and_captions_count() -> None:
    ours = {"message_id": 2, "from": {"id": BOT.id, "is_bot": True}, "chat": GROUP}
    theirs = {"message_id": 3, "from": ADMIN, "chat": GROUP}
    event = map_update(message(None, caption="foto banjir", reply_to_message=ours), "tg", BOT)
    assert event is not None and event.kind == "reply"
    assert event.data == {"user": 11, "text": "foto banjir", "reply_to": 2}
    assert event.event_id == "777:9:-4001"
    assert map_update(message("ok", reply_to_message=theirs), "tg", BOT) is None


def test_migration_seen_from_both_chats() -> None:
    old = map_update(message(None, migrate_to_chat_id=-1009), "tg", BOT)
    new_chat = {"id": -1009, "type": "supergroup", "title": "RT 01"}
    new = map_update(
        {
            "update_id": 10,
            "message": {"message_id": 1, "chat": new_chat, "migrate_from_chat_id": -4001},
        },
        "tg",
        BOT,
    )
    for event in (old, new):
        assert event is not None and event.kind == "migrated"
        assert (event.address, event.data["new_address"]) == ("-4001", "-1009")


def test_votes_by_users_and_by_chats_and_counts() -> None:
    answer = {"poll_id": "p1", "user": {"id": 12, "is_bot": False}, "option_ids": [1]}
    vote = map_update({"update_id": 4, "poll_answer": answer}, "tg", BOT)
    assert vote is not None and vote.kind == "vote" and vote.address is None
    assert vote.data == {"poll_id": "p1", "user": 12, "options": [1]}
    assert vote.event_id == "777:4:p1"
    as_chat = {"poll_id": "p1", "voter_chat": {"id": -4001}, "option_ids": []}
    retracted = map_update({"update_id": 5, "poll_answer": as_chat}, "tg", BOT)
    assert retracted is not None and retracted.data["user"] == "chat:-4001"
    assert retracted.data["options"] == []
    poll = {"id": "p1", "options": [{"text": "Ya", "voter_count": 3}, {"text": "Tidak"}]}
    counts = map_update({"update_id": 6, "poll": poll}, "tg", BOT)
    assert counts is not None and counts.kind == "poll_counts"
    assert counts.data == {"poll_id": "p1", "counts": [3, 0], "closed": False}


@pytest.mark.parametrize(
    ("ahead", "passed"),
    [(-60, False), (3, False), (9, False), (10, True), (3600, True), (MAX_AHEAD, False)],
)
def test_close_date_only_inside_telegrams_window(ahead: int, passed: bool) -> None:
    now = 1_800_000_000.0
    assert (close_date_for(now + ahead, now) is not None) is passed
    assert close_date_for(None, now) is None
