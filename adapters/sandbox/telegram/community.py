"""The simulated community: residents and admins acting in groups, as Telegram reports them.

Every action changes the sandbox's state and queues the updates the real Bot API would send:

* adding, promoting, removing a bot → ``my_chat_member`` (plus a ``new_chat_members`` service
  message when it joins);
* a user message → ``message`` to every bot in the group that may see it: with privacy mode on
  (BotFather's default) a bot sees only commands, replies to its own messages, mentions of it and
  service messages, unless it is an admin;
* a vote → ``poll_answer`` (non-anonymous polls only; it carries no chat id) and ``poll`` with the
  new counts, to the bot that sent the poll;
* upgrading a group → service messages with ``migrate_to_chat_id``/``migrate_from_chat_id``.

Methods raise ``ValueError`` (bad arguments) or ``KeyError`` (unknown bot, user, chat, poll).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any, Literal

from .errors import ApiError
from .formatting import format_text
from .models import (
    PRESENT,
    BotRecord,
    ChatRecord,
    ChatType,
    MemberStatus,
    MessageRecord,
    PollRecord,
    UserRecord,
    member_json,
)
from .state import BotRef, SandboxState

JsonDict = dict[str, Any]
MediaKind = Literal["photo", "document", "video"]
_ADMINS: frozenset[str] = frozenset({"creator", "administrator"})
_ASSIGNABLE: frozenset[str] = frozenset({"administrator", "member", "restricted", "left", "kicked"})


class Community:
    """Scriptable residents, admins and groups (see the module docstring)."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self._callback_ids = itertools.count(4_200_000_000_000_000_001)
        self.callback_queries: dict[str, tuple[int, JsonDict | None]] = {}
        self._poll_timers: dict[str, asyncio.TimerHandle] = {}

    # -- set-up (no updates) -----------------------------------------------------------------

    def register_bot(
        self,
        token: str,
        username: str | None = None,
        first_name: str | None = None,
        privacy_mode: bool = True,
    ) -> BotRecord:
        return self.state.register_bot(token, username, first_name, privacy_mode)

    def add_user(self, first_name: str, **details: Any) -> UserRecord:
        """See :meth:`SandboxState.add_user` (``user_id``, ``last_name``, ``username``,
        ``language_code``)."""
        return self.state.add_user(first_name, **details)

    def create_group(
        self,
        title: str,
        *,
        chat_type: ChatType = "group",
        creator: int,
        admins: list[int] | None = None,
        members: list[int] | None = None,
        chat_id: int | None = None,
        username: str | None = None,
    ) -> ChatRecord:
        return self.state.create_group(
            title,
            chat_type=chat_type,
            creator=creator,
            admins=admins,
            members=members,
            chat_id=chat_id,
            username=username,
        )

    # -- the bot's membership ----------------------------------------------------------------

    def add_bot(
        self, chat_id: int, bot: BotRef, *, by_user: int, as_admin: bool = False
    ) -> ChatRecord:
        """``by_user`` (a present member) adds the bot; emits ``my_chat_member`` and a
        ``new_chat_members`` service message to that bot."""
        chat, record, actor = self._group_actor(chat_id, bot, by_user)
        old = chat.status(record.id)
        if old in PRESENT:
            raise ValueError("the bot is already in this chat")
        new: MemberStatus = "administrator" if as_admin else "member"
        chat.roster[record.id] = new
        self._my_chat_member(chat, record, actor, old, new)
        service = self.state.store_message(
            chat, actor, service={"new_chat_members": [record.user.to_json()]}
        )
        self.state.emit(record.id, "message", self.state.message_json(service))
        return chat

    def promote_bot(self, chat_id: int, bot: BotRef, *, by_user: int) -> None:
        """Make a present bot an administrator (``my_chat_member`` member → administrator)."""
        self._change_bot(chat_id, bot, by_user, "administrator", {"member"})

    def demote_bot(self, chat_id: int, bot: BotRef, *, by_user: int) -> None:
        self._change_bot(chat_id, bot, by_user, "member", {"administrator"})

    def remove_bot(self, chat_id: int, bot: BotRef, *, by_user: int, ban: bool = True) -> None:
        """Remove the bot: ``kicked`` (banned, the default) or ``left``; later sends get 403."""
        self._change_bot(
            chat_id, bot, by_user, "kicked" if ban else "left", {"member", "administrator"}
        )

    def _change_bot(
        self, chat_id: int, bot: BotRef, by_user: int, new: MemberStatus, allowed: set[str]
    ) -> None:
        chat, record, actor = self._group_actor(chat_id, bot, by_user)
        old = chat.status(record.id)
        if old not in allowed:
            raise ValueError(f"the bot is {old} in this chat")
        if chat.status(actor.id) not in _ADMINS:
            raise ValueError("only an admin can do that")
        chat.roster[record.id] = new
        self._my_chat_member(chat, record, actor, old, new)

    def bot_left(self, chat: ChatRecord, record: BotRecord) -> None:
        """The bot left by itself (``leaveChat``)."""
        old = chat.status(record.id)
        chat.roster[record.id] = "left"
        self._my_chat_member(chat, record, record.user, old, "left")

    def _my_chat_member(
        self,
        chat: ChatRecord,
        bot: BotRecord,
        actor: UserRecord,
        old: MemberStatus,
        new: MemberStatus,
    ) -> None:
        self.state.emit(
            bot.id, "my_chat_member", self._member_update(chat, bot.user, actor, old, new)
        )

    def _member_update(
        self,
        chat: ChatRecord,
        user: UserRecord,
        actor: UserRecord,
        old: MemberStatus,
        new: MemberStatus,
    ) -> JsonDict:
        omit = self.state.config.omit_member_fields
        return {
            "chat": chat.to_json(),
            "from": actor.to_json(),
            "date": int(time.time()),
            "old_chat_member": member_json(user, old, omit),
            "new_chat_member": member_json(user, new, omit),
        }

    # -- residents in groups -----------------------------------------------------------------

    def add_member(
        self,
        chat_id: int,
        user_id: int,
        *,
        status: MemberStatus = "member",
        by_user: int | None = None,
    ) -> None:
        """A user joins (or is added); bots get the ``new_chat_members`` service message and
        admin bots a ``chat_member`` update (if they asked for that type)."""
        chat = self._group(chat_id)
        user = self._resident(user_id, status)
        actor = self.state.user(by_user) if by_user is not None else user
        old = chat.status(user_id)
        chat.roster[user_id] = status
        self._chat_member(chat, user, actor, old, status)
        if old not in PRESENT:
            self._broadcast_service(chat, actor, {"new_chat_members": [user.to_json()]})

    def set_member_status(self, chat_id: int, user_id: int, status: MemberStatus) -> None:
        """Change a user's role (e.g. promote an RT head to administrator)."""
        chat = self._group(chat_id)
        user = self._resident(user_id, status)
        old = chat.status(user_id)
        chat.roster[user_id] = status
        self._chat_member(chat, user, user, old, status)

    def remove_member(self, chat_id: int, user_id: int, *, ban: bool = False) -> None:
        chat = self._group(chat_id)
        user = self.state.user(user_id)
        old = chat.status(user_id)
        if old not in PRESENT:
            raise ValueError("the user is not in this chat")
        chat.roster[user_id] = "kicked" if ban else "left"
        self._chat_member(chat, user, user, old, chat.roster[user_id])
        self._broadcast_service(chat, user, {"left_chat_member": user.to_json()})

    def _chat_member(
        self,
        chat: ChatRecord,
        user: UserRecord,
        actor: UserRecord,
        old: MemberStatus,
        new: MemberStatus,
    ) -> None:
        for bot in self.state.bots_in(chat):
            if chat.status(bot.id) in _ADMINS:
                self.state.emit(
                    bot.id, "chat_member", self._member_update(chat, user, actor, old, new)
                )

    def _broadcast_service(self, chat: ChatRecord, actor: UserRecord, service: JsonDict) -> None:
        message = self.state.store_message(chat, actor, service=service)
        payload = self.state.message_json(message)
        for bot in self.state.bots_in(chat):
            self.state.emit(bot.id, "message", payload)

    def user_message(
        self, chat_id: int, user_id: int, text: str, *, reply_to_message_id: int | None = None
    ) -> MessageRecord:
        """A present member writes in a group; bots that may see it get a ``message`` update
        (with ``reply_to_message`` when replying and ``bot_command`` entities for commands)."""
        chat = self._group(chat_id)
        if chat.status(user_id) not in PRESENT:
            raise ValueError("the user is not in this chat")
        message = self._store_user_text(chat, self.state.user(user_id), text, reply_to_message_id)
        payload = self.state.message_json(message)
        for bot in self.state.bots_in(chat):
            if self._bot_sees(chat, bot, message):
                self.state.emit(bot.id, "message", payload)
        return message

    def user_command(self, chat_id: int, user_id: int, command: str, *args: str) -> MessageRecord:
        """``user_command(chat, user, "daftar", "3671010001", "rt")`` sends
        ``/daftar 3671010001 rt``."""
        text = " ".join(["/" + command.removeprefix("/"), *args])
        return self.user_message(chat_id, user_id, text)

    def user_media(
        self,
        chat_id: int,
        user_id: int,
        kind: MediaKind = "photo",
        *,
        caption: str | None = None,
        file_id: str | None = None,
    ) -> MessageRecord:
        """A present member posts a photo, document or video (``file_id`` reuses a file seen
        before: its ``file_unique_id`` is the same, as when Telegram forwards one file around).
        Bots that may see it get a ``message`` update, as for :meth:`user_message`."""
        chat = self._group(chat_id)
        if chat.status(user_id) not in PRESENT:
            raise ValueError("the user is not in this chat")
        message = self.state.store_message(
            chat, self.state.user(user_id), text=caption, raw_text=caption, **_media(kind, file_id)
        )
        payload = self.state.message_json(message)
        for bot in self.state.bots_in(chat):
            if self._bot_sees(chat, bot, message):
                self.state.emit(bot.id, "message", payload)
        return message

    def forward_to_bot(
        self, user_id: int, bot: BotRef, from_chat_id: int, message_id: int
    ) -> MessageRecord:
        """The user forwards a message of ``from_chat_id`` into their private chat with the
        bot: a copy (text, caption, media) with ``forward_origin`` naming its sender."""
        record = self.state.bot(bot)
        source = self.state.chat(from_chat_id).messages[message_id]
        chat = self.state.private_chat(user_id)
        if chat.status(record.id) == "kicked":
            raise ValueError("the user blocked this bot")
        chat.roster[record.id] = "member"
        origin = {"type": "user", "date": source.date, "sender_user": source.sender.to_json()}
        message = self.state.store_message(
            chat,
            self.state.user(user_id),
            text=source.text,
            raw_text=source.raw_text,
            entities=source.entities,
            photo_file_id=source.photo_file_id,
            document=source.document,
            video=source.video,
            forward_origin=origin,
        )
        self.state.emit(record.id, "message", self.state.message_json(message))
        return message

    def _store_user_text(
        self, chat: ChatRecord, user: UserRecord, text: str, reply_to: int | None
    ) -> MessageRecord:
        if reply_to is not None and reply_to not in chat.messages:
            raise KeyError(f"message {reply_to} is not in chat {chat.id}")
        try:
            formatted = format_text(text, None, None, kind="text")
        except ApiError as exc:  # e.g. empty or too long: a scripting mistake, not an API call
            raise ValueError(exc.description) from exc
        return self.state.store_message(
            chat,
            user,
            text=formatted.text,
            raw_text=text,
            entities=formatted.entities,
            reply_to_message_id=reply_to,
        )

    def _bot_sees(self, chat: ChatRecord, bot: BotRecord, message: MessageRecord) -> bool:
        if not bot.privacy_mode or chat.status(bot.id) in _ADMINS:
            return True
        if message.reply_to_message_id is not None:
            original = chat.messages.get(message.reply_to_message_id)
            if original is not None and original.sender.id == bot.id:
                return True
        text = message.text or ""
        username = (bot.user.username or "").lower()
        if username and f"@{username}" in text.lower():
            return True
        if text.startswith("/"):
            head = text.split(maxsplit=1)[0]
            target = head.partition("@")[2].lower()
            return not target or target == username
        return False

    # -- private chats -----------------------------------------------------------------------

    def private_message(self, user_id: int, bot: BotRef, text: str) -> MessageRecord:
        """A user writes to the bot in private (the bot must not be blocked)."""
        record = self.state.bot(bot)
        chat = self.state.private_chat(user_id)
        if chat.status(record.id) == "kicked":
            raise ValueError("the user blocked this bot")
        chat.roster[record.id] = "member"
        message = self._store_user_text(chat, self.state.user(user_id), text, None)
        self.state.emit(record.id, "message", self.state.message_json(message))
        return message

    def start_private(self, user_id: int, bot: BotRef) -> MessageRecord:
        """The user opens the bot and presses Start (``/start``); the bot may then write."""
        return self.private_message(user_id, bot, "/start")

    def block_bot(self, user_id: int, bot: BotRef) -> None:
        """The user blocks the bot: ``my_chat_member`` member → kicked; sends get 403."""
        self._private_status(user_id, bot, "kicked")

    def unblock_bot(self, user_id: int, bot: BotRef) -> None:
        self._private_status(user_id, bot, "member")

    def _private_status(self, user_id: int, bot: BotRef, new: MemberStatus) -> None:
        record = self.state.bot(bot)
        chat = self.state.private_chat(user_id)
        old = chat.status(record.id)
        if old == new:
            return
        chat.roster[record.id] = new
        self._my_chat_member(chat, record, self.state.user(user_id), old, new)

    # -- migration ---------------------------------------------------------------------------

    def migrate_group(self, chat_id: int, *, new_chat_id: int | None = None) -> ChatRecord:
        """Upgrade a basic group to a supergroup (new id ``-100...``); the old id then answers
        400 with ``migrate_to_chat_id``. Bots get both service messages."""
        old = self._group(chat_id)
        if old.type != "group" or old.migrated_to is not None:
            raise ValueError("only a basic group that was not upgraded yet can migrate")
        creator = next((uid for uid, s in old.roster.items() if s == "creator"), None)
        if creator is None:
            raise ValueError("the group has no creator to upgrade it")
        new = self.state.create_group(
            old.title or "", chat_type="supergroup", creator=creator, chat_id=new_chat_id
        )
        new.roster = dict(old.roster)
        new.migrated_from = old.id
        old.migrated_to = new.id
        for poll in self.state.polls.values():
            if poll.chat_id == old.id and not poll.is_closed:
                self.close_poll(poll.id)
        sender = self.state.user(creator)
        for chat, service in (
            (old, {"migrate_to_chat_id": new.id}),
            (new, {"migrate_from_chat_id": old.id}),
        ):
            message = self.state.store_message(chat, sender, service=service)
            payload = self.state.message_json(message)
            for bot in self.state.bots_in(new):
                self.state.emit(bot.id, "message", payload)
        return new

    # -- polls and buttons -------------------------------------------------------------------

    def vote(self, poll_id: str, user_id: int, option_ids: list[int]) -> PollRecord:
        """Cast, change (replaces) or retract (empty list) a vote; emits ``poll_answer`` for
        non-anonymous polls and ``poll`` with the new counts, to the bot that sent the poll."""
        poll = self.state.polls[poll_id]
        self._expire_poll(poll)
        if poll.is_closed:
            raise ValueError("the poll is closed")
        user = self.state.user(user_id)
        chat = self.state.chats[poll.chat_id]
        if chat.status(user_id) not in PRESENT:
            raise ValueError("the user is not in the poll's chat")
        chosen = tuple(sorted(set(option_ids)))
        if len(chosen) != len(option_ids) or any(
            not 0 <= index < len(poll.options) for index in chosen
        ):
            raise ValueError("invalid option ids")
        if len(chosen) > 1 and not poll.allows_multiple_answers:
            raise ValueError("the poll allows a single answer")
        if poll.type == "quiz" and user_id in poll.votes:
            raise ValueError("quiz answers can't be changed")
        if chosen:
            poll.votes[user_id] = chosen
        elif poll.votes.pop(user_id, None) is None:
            raise ValueError("there is no vote to retract")
        if not poll.is_anonymous:
            answer = {
                "poll_id": poll.id,
                "user": user.to_json(),
                "option_ids": list(chosen),
                "option_persistent_ids": [str(index) for index in chosen],
            }
            self.state.emit(poll.bot_id, "poll_answer", answer)
        self.state.emit(poll.bot_id, "poll", poll.to_json())
        return poll

    def close_poll(self, poll_id: str) -> PollRecord:
        """Close a poll (``stopPoll``, ``open_period``/``close_date`` expiry, migration) and
        tell the bot with a ``poll`` update."""
        poll = self.state.polls[poll_id]
        timer = self._poll_timers.pop(poll_id, None)
        if timer is not None:
            timer.cancel()
        if not poll.is_closed:
            poll.is_closed = True
            self.state.emit(poll.bot_id, "poll", poll.to_json())
        return poll

    def schedule_close(self, poll: PollRecord) -> None:
        """Close the poll when its ``open_period``/``close_date`` runs out."""
        if poll.close_date is None:
            return
        delay = max(0.0, poll.close_date - time.time())
        loop = asyncio.get_running_loop()
        self._poll_timers[poll.id] = loop.call_later(delay, self.close_poll, poll.id)

    def _expire_poll(self, poll: PollRecord) -> None:
        if not poll.is_closed and poll.close_date is not None and poll.close_date <= time.time():
            self.close_poll(poll.id)

    def press_button(self, chat_id: int, message_id: int, user_id: int, data: str) -> str:
        """A user taps an inline button of a bot message; returns the callback query id."""
        chat = self.state.chat(chat_id)
        message = chat.messages[message_id]
        if not message.from_bot or message.reply_markup is None:
            raise ValueError("the message has no inline keyboard")
        query_id = str(next(self._callback_ids))
        self.callback_queries[query_id] = (message.sender.id, None)
        payload = {
            "id": query_id,
            "from": self.state.user(user_id).to_json(),
            "message": self.state.message_json(message),
            "chat_instance": str(abs(chat.id) * 7919 % 10**18),
            "data": data,
        }
        self.state.emit(message.sender.id, "callback_query", payload)
        return query_id

    def cancel_timers(self) -> None:
        for timer in self._poll_timers.values():
            timer.cancel()
        self._poll_timers.clear()

    # -- helpers -----------------------------------------------------------------------------

    def _group(self, chat_id: int) -> ChatRecord:
        chat = self.state.chat(chat_id)
        if not chat.is_group:
            raise ValueError(f"chat {chat_id} is not a group")
        return chat

    def _resident(self, user_id: int, status: str) -> UserRecord:
        """A human user and a status that an admin action may give (not ``creator``)."""
        if status not in _ASSIGNABLE:
            raise ValueError(f"status must be one of {sorted(_ASSIGNABLE)}")
        user = self.state.user(user_id)
        if user.is_bot:
            raise ValueError("bots join through add_bot")
        return user

    def _group_actor(
        self, chat_id: int, bot: BotRef, by_user: int
    ) -> tuple[ChatRecord, BotRecord, UserRecord]:
        chat = self._group(chat_id)
        if chat.migrated_to is not None:
            raise ValueError(f"chat {chat_id} was upgraded to {chat.migrated_to}")
        actor = self.state.user(by_user)
        if chat.status(by_user) not in PRESENT:
            raise ValueError("the acting user is not in this chat")
        return chat, self.state.bot(bot), actor


def _media(kind: MediaKind, file_id: str | None) -> JsonDict:
    """The MessageRecord fields of one photo, document or video."""
    file_id = file_id or SandboxState.new_file_id(
        {"photo": "AgAC", "document": "BQAC"}.get(kind, "BAAC")
    )
    if kind == "photo":
        return {"photo_file_id": file_id}
    item = {"file_id": file_id, "file_unique_id": file_id[-12:] + "d", "file_size": 131_072}
    if kind == "document":
        return {"document": {**item, "file_name": "kabar.pdf", "mime_type": "application/pdf"}}
    return {"video": {**item, "width": 640, "height": 360, "duration": 12}}
