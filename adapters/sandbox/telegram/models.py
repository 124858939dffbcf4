"""The sandbox's records (users, bots, chats, messages, polls) and their Bot API JSON shapes.

The JSON builders emit every field that python-telegram-bot 22.8 and aiogram 3.31 require (for
example aiogram's ``Poll.allows_revoting``/``members_only``, ``PollOption.persistent_id`` and
``ChatFullInfo.accepted_gift_types``), so both libraries parse the answers without complaint.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Literal

from .entities import Entity

JsonDict = dict[str, Any]
ChatType = Literal["private", "group", "supergroup"]
MemberStatus = Literal["creator", "administrator", "member", "restricted", "left", "kicked"]
#: Statuses of someone who is in the chat (can read it and, for a bot, post in it).
PRESENT: frozenset[str] = frozenset({"creator", "administrator", "member", "restricted"})


@dataclass(slots=True)
class UserRecord:
    """A Telegram user (a resident, an admin, or a bot's own user)."""

    id: int
    first_name: str
    is_bot: bool = False
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    def to_json(self) -> JsonDict:
        body: JsonDict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            body["last_name"] = self.last_name
        if self.username:
            body["username"] = self.username
        if self.language_code and not self.is_bot:
            body["language_code"] = self.language_code
        return body


@dataclass(slots=True)
class BotRecord:
    """A registered bot: its token, its user, and BotFather-level settings."""

    token: str
    user: UserRecord
    privacy_mode: bool = True
    commands: list[JsonDict] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.user.id

    def get_me_json(self) -> JsonDict:
        body = self.user.to_json()
        body.update(
            {
                "can_join_groups": True,
                "can_read_all_group_messages": not self.privacy_mode,
                "supports_inline_queries": False,
                "can_connect_to_business": False,
                "has_main_web_app": False,
            }
        )
        return body


@dataclass(slots=True)
class PollRecord:
    """A poll a bot sent; ``votes`` maps a voter's user id to the chosen option indexes."""

    id: str
    chat_id: int
    message_id: int
    bot_id: int
    question: str
    options: list[str]
    is_anonymous: bool = True
    type: str = "regular"
    allows_multiple_answers: bool = False
    is_closed: bool = False
    correct_option_id: int | None = None
    explanation: str | None = None
    open_period: int | None = None
    close_date: int | None = None
    votes: dict[int, tuple[int, ...]] = field(default_factory=dict)

    def counts(self) -> list[int]:
        """Voters per option, in option order."""
        tally = [0] * len(self.options)
        for chosen in self.votes.values():
            for index in chosen:
                tally[index] += 1
        return tally

    @property
    def total_voter_count(self) -> int:
        return sum(1 for chosen in self.votes.values() if chosen)

    def to_json(self) -> JsonDict:
        body: JsonDict = {
            "id": self.id,
            "question": self.question,
            "options": [
                {"persistent_id": str(index), "text": text, "voter_count": count}
                for index, (text, count) in enumerate(zip(self.options, self.counts(), strict=True))
            ],
            "total_voter_count": self.total_voter_count,
            "is_closed": self.is_closed,
            "is_anonymous": self.is_anonymous,
            "type": self.type,
            "allows_multiple_answers": self.allows_multiple_answers,
            "allows_revoting": self.type == "regular",
            "members_only": False,
        }
        if self.type == "quiz" and self.correct_option_id is not None:
            body["correct_option_id"] = self.correct_option_id
            if self.explanation:
                body["explanation"] = self.explanation
        if self.open_period is not None:
            body["open_period"] = self.open_period
        if self.close_date is not None:
            body["close_date"] = self.close_date
        return body


@dataclass(slots=True)
class MessageRecord:
    """A message in a chat, sent by a bot (through the Bot API) or by a simulated user.

    ``text`` is the plain text after markup parsing (the caption for photos and documents),
    ``raw_text`` what the client sent, ``parse_mode`` the mode it asked for.
    """

    message_id: int
    chat_id: int
    sender: UserRecord
    date: int
    text: str | None = None
    raw_text: str | None = None
    parse_mode: str | None = None
    entities: tuple[Entity, ...] = ()
    poll: PollRecord | None = None
    photo_file_id: str | None = None
    document: JsonDict | None = None
    reply_markup: JsonDict | None = None
    reply_to_message_id: int | None = None
    #: ``MessageOrigin`` of a forwarded message (see :meth:`Community.forward_to_bot`)
    forward_origin: JsonDict | None = None
    video: JsonDict | None = None
    service: JsonDict | None = None
    paid_broadcast: bool = False
    deleted: bool = False

    @property
    def kind(self) -> str:
        """``text``, ``poll``, ``photo``, ``document`` or ``service``."""
        if self.poll is not None:
            return "poll"
        if self.photo_file_id is not None:
            return "photo"
        if self.document is not None:
            return "document"
        if self.video is not None:
            return "video"
        if self.service is not None:
            return "service"
        return "text"

    @property
    def from_bot(self) -> bool:
        return self.sender.is_bot


@dataclass(slots=True)
class ChatRecord:
    """A private chat, basic group or supergroup, its roster and its message history."""

    id: int
    type: ChatType
    title: str | None = None
    username: str | None = None
    private_user: UserRecord | None = None
    roster: dict[int, MemberStatus] = field(default_factory=dict)
    migrated_to: int | None = None
    migrated_from: int | None = None
    next_message_id: int = 1
    messages: dict[int, MessageRecord] = field(default_factory=dict)

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")

    def status(self, user_id: int) -> MemberStatus:
        return self.roster.get(user_id, "left")

    def allocate_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def to_json(self) -> JsonDict:
        """The short ``Chat`` object embedded in messages and updates."""
        if self.private_user is not None:
            user = self.private_user
            body: JsonDict = {"id": self.id, "type": "private", "first_name": user.first_name}
            if user.last_name:
                body["last_name"] = user.last_name
            if user.username:
                body["username"] = user.username
            return body
        body = {"id": self.id, "type": self.type, "title": self.title or ""}
        if self.username:
            body["username"] = self.username
        return body

    def to_full_json(self) -> JsonDict:
        """The ``ChatFullInfo`` answer of ``getChat``."""
        body = self.to_json()
        body.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        )
        if self.is_group:
            body["permissions"] = {
                "can_send_messages": True,
                "can_send_polls": True,
                "can_send_other_messages": True,
                "can_add_web_page_previews": True,
                "can_invite_users": True,
            }
        if self.migrated_from is not None:
            body["migrated_from_chat_id"] = self.migrated_from
        return body


def member_json(
    user: UserRecord, status: MemberStatus, omit: Collection[str] = frozenset()
) -> JsonDict:
    """A ``ChatMember`` object of the right subtype for ``status``, without the fields in
    ``omit`` (an older Bot API server does not know them)."""
    body = _member_body(user, status)
    for name in omit:
        body.pop(name, None)
    return body


def _member_body(user: UserRecord, status: MemberStatus) -> JsonDict:
    body: JsonDict = {"status": status, "user": user.to_json()}
    if status == "creator":
        body["is_anonymous"] = False
    elif status == "administrator":
        body.update(
            {
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": True,
                "can_restrict_members": True,
                "can_promote_members": False,
                "can_change_info": True,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
                "can_send_welcome_messages": False,
                "can_pin_messages": True,
            }
        )
    elif status == "restricted":
        body.update(
            {
                "is_member": True,
                "can_send_messages": False,
                "can_send_audios": False,
                "can_send_documents": False,
                "can_send_photos": False,
                "can_send_videos": False,
                "can_send_video_notes": False,
                "can_send_voice_notes": False,
                "can_send_polls": False,
                "can_send_other_messages": False,
                "can_add_web_page_previews": False,
                "can_change_info": False,
                "can_invite_users": False,
                "can_pin_messages": False,
                "can_manage_topics": False,
                "until_date": 0,
            }
        )
    elif status == "kicked":
        body["until_date"] = 0
    return body


def message_json(
    message: MessageRecord,
    chat: ChatRecord,
    reply_to: MessageRecord | None = None,
) -> JsonDict:
    """The ``Message`` object for ``message`` (``reply_to`` is embedded one level deep)."""
    body: JsonDict = {
        "message_id": message.message_id,
        "from": message.sender.to_json(),
        "chat": chat.to_json(),
        "date": message.date,
    }
    entities = [entity.to_json() for entity in message.entities]
    if message.poll is not None:
        body["poll"] = message.poll.to_json()
    elif message.photo_file_id is not None or message.document is not None or message.video:
        if message.photo_file_id is not None:
            body["photo"] = _photo_sizes(message.photo_file_id)
        elif message.video is not None:
            body["video"] = dict(message.video)
        else:
            body["document"] = dict(message.document or {})
        if message.text:
            body["caption"] = message.text
            if entities:
                body["caption_entities"] = entities
    elif message.service is not None:
        body.update(message.service)
    elif message.text is not None:
        body["text"] = message.text
        if entities:
            body["entities"] = entities
    if message.forward_origin is not None:
        body["forward_origin"] = dict(message.forward_origin)
    if reply_to is not None:
        body["reply_to_message"] = message_json(reply_to, chat)
    if message.reply_markup is not None:
        body["reply_markup"] = message.reply_markup
    return body


def _photo_sizes(file_id: str) -> list[JsonDict]:
    """Telegram returns several sizes of every photo; two are enough to look real."""
    return [
        {
            "file_id": f"{file_id}-s",
            "file_unique_id": f"{file_id[-12:]}s",
            "width": 90,
            "height": 90,
            "file_size": 1_024,
        },
        {
            "file_id": file_id,
            "file_unique_id": f"{file_id[-12:]}m",
            "width": 800,
            "height": 800,
            "file_size": 65_536,
        },
    ]
