"""The sandbox's world: bots, users, chats, messages, polls and each bot's update queue.

Everything lives in memory and is touched only from the event loop that runs the sandbox, so no
locking is needed: every mutation is a plain synchronous call between two awaits.
"""

from __future__ import annotations

import itertools
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from .config import SandboxConfig
from .models import (
    PRESENT,
    BotRecord,
    ChatRecord,
    ChatType,
    MemberStatus,
    MessageRecord,
    PollRecord,
    UserRecord,
    message_json,
)
from .stats import SandboxStats
from .updates import UpdateQueue

JsonDict = dict[str, Any]
TOKEN_PATTERN = re.compile(r"^(\d{1,19}):([A-Za-z0-9_-]{1,128})$")
BotRef = str | int | BotRecord


class SandboxState:
    """Registry of everything simulated, with id allocation and update emission."""

    def __init__(
        self,
        config: SandboxConfig,
        stats: SandboxStats,
        session: Callable[[], aiohttp.ClientSession],
    ) -> None:
        self.config = config
        self.stats = stats
        self._session = session
        self.bots: dict[int, BotRecord] = {}
        self.tokens: dict[str, BotRecord] = {}
        self.users: dict[int, UserRecord] = {}
        self.chats: dict[int, ChatRecord] = {}
        self.polls: dict[str, PollRecord] = {}
        self.queues: dict[int, UpdateQueue] = {}
        self._user_ids = itertools.count(6_100_000_001)
        self._group_ids = itertools.count(4_100_000_001)
        self._supergroup_ids = itertools.count(2_100_000_001)
        self._poll_ids = itertools.count(5_720_000_000_000_000_001)

    # -- bots -------------------------------------------------------------------------------

    def register_bot(
        self,
        token: str,
        username: str | None = None,
        first_name: str | None = None,
        privacy_mode: bool = True,
    ) -> BotRecord:
        """Register (or return the already registered) bot for ``token`` ("<id>:<secret>")."""
        match = TOKEN_PATTERN.match(token)
        if match is None:
            raise ValueError("a bot token looks like '123456:secret'")
        existing = self.tokens.get(token)
        if existing is not None:
            return existing
        bot_id = int(match.group(1))
        if bot_id in self.bots:
            raise ValueError(f"bot id {bot_id} is already registered with another token")
        user = UserRecord(
            id=bot_id,
            first_name=first_name or f"Sandbox Bot {bot_id}",
            is_bot=True,
            username=username or f"sandbox{bot_id}_bot",
        )
        bot = BotRecord(token=token, user=user, privacy_mode=privacy_mode)
        self.bots[bot_id] = bot
        self.tokens[token] = bot
        self.users[bot_id] = user
        return bot

    def bot_for_token(self, token: str) -> BotRecord | None:
        """The bot owning ``token``; auto-registers well-formed tokens when configured (unless
        the id already belongs to a bot with another token)."""
        bot = self.tokens.get(token)
        if bot is not None or not self.config.auto_register_bots:
            return bot
        match = TOKEN_PATTERN.match(token)
        if match is None or int(match.group(1)) in self.bots:
            return None
        return self.register_bot(token)

    def bot(self, ref: BotRef) -> BotRecord:
        """Look a bot up by token, id or record; raises ``KeyError`` when unknown."""
        if isinstance(ref, BotRecord):
            return ref
        if isinstance(ref, int):
            return self.bots[ref]
        if ref in self.tokens:
            return self.tokens[ref]
        if ref.isdigit():
            return self.bots[int(ref)]
        raise KeyError(ref)

    def queue(self, bot_id: int) -> UpdateQueue:
        queue = self.queues.get(bot_id)
        if queue is None:
            queue = self.queues[bot_id] = UpdateQueue(
                self.config.webhook, self._session, self.stats, self.config.max_pending_updates
            )
        return queue

    def emit(self, bot_id: int, kind: str, payload: JsonDict) -> int:
        """Queue an update for one bot; returns its update_id."""
        return self.queue(bot_id).push(kind, payload).update_id

    def inject_update(self, bot_id: int, fields: JsonDict) -> int:
        """Queue an update of arbitrary (possibly malformed) ``fields`` for one bot; returns
        its update_id (see :meth:`UpdateQueue.push_raw`)."""
        return self.queue(bot_id).push_raw(fields).update_id

    # -- users and chats --------------------------------------------------------------------

    def add_user(
        self,
        first_name: str,
        *,
        user_id: int | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "id",
    ) -> UserRecord:
        """Create a resident; ids are allocated unless given (a given id must be free)."""
        if user_id is None:
            user_id = next(self._user_ids)
            while user_id in self.users:
                user_id = next(self._user_ids)
        elif user_id in self.users:
            raise ValueError(f"user {user_id} already exists")
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user = UserRecord(user_id, first_name, False, last_name, username, language_code)
        self.users[user_id] = user
        return user

    def user(self, user_id: int) -> UserRecord:
        """Raises ``KeyError`` for an unknown user."""
        return self.users[user_id]

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
        """Create a group or supergroup with a roster of existing users (not bots; bots are
        added with :meth:`Community.add_bot`)."""
        if chat_type not in ("group", "supergroup"):
            raise ValueError("chat_type must be 'group' or 'supergroup'")
        if chat_id is None:
            chat_id = self._new_group_id(chat_type)
        elif chat_id >= 0 or chat_id in self.chats:
            raise ValueError("group ids are negative and unique")
        roster: dict[int, MemberStatus] = {}
        for user_id in [creator, *(admins or []), *(members or [])]:
            if user_id not in self.users or self.users[user_id].is_bot:
                raise ValueError(f"unknown user {user_id}")
        roster[creator] = "creator"
        for user_id in members or []:
            roster.setdefault(user_id, "member")
        for user_id in admins or []:
            if roster.get(user_id) != "creator":
                roster[user_id] = "administrator"
        chat = ChatRecord(chat_id, chat_type, title=title, username=username, roster=roster)
        self.chats[chat_id] = chat
        return chat

    def _new_group_id(self, chat_type: ChatType) -> int:
        while True:
            if chat_type == "supergroup":
                candidate = -int(f"100{next(self._supergroup_ids)}")
            else:
                candidate = -next(self._group_ids)
            if candidate not in self.chats:
                return candidate

    def private_chat(self, user_id: int) -> ChatRecord:
        """The private chat with a user (its id is the user's id), created on first use."""
        chat = self.chats.get(user_id)
        if chat is None:
            user = self.user(user_id)
            chat = self.chats[user_id] = ChatRecord(user_id, "private", private_user=user)
            chat.roster[user_id] = "member"
        return chat

    def find_chat(self, ref: int | str) -> ChatRecord | None:
        """A chat by id or ``@username``; private chats exist for every known user."""
        if isinstance(ref, str):
            name = ref.removeprefix("@").lower()
            return next(
                (c for c in self.chats.values() if c.username and c.username.lower() == name),
                None,
            )
        chat = self.chats.get(ref)
        if chat is None and ref > 0 and ref in self.users and not self.users[ref].is_bot:
            chat = self.private_chat(ref)
        return chat

    def chat(self, chat_id: int) -> ChatRecord:
        """Raises ``KeyError`` for an unknown chat."""
        chat = self.find_chat(chat_id)
        if chat is None:
            raise KeyError(chat_id)
        return chat

    def bots_in(self, chat: ChatRecord) -> list[BotRecord]:
        """Bots currently present in ``chat``."""
        return [bot for bot_id, bot in self.bots.items() if chat.status(bot_id) in PRESENT]

    # -- messages and polls -----------------------------------------------------------------

    def store_message(self, chat: ChatRecord, sender: UserRecord, **fields: Any) -> MessageRecord:
        """Append a message to ``chat`` with the next message id and the current date."""
        message = MessageRecord(
            message_id=chat.allocate_message_id(),
            chat_id=chat.id,
            sender=sender,
            date=int(time.time()),
            **fields,
        )
        chat.messages[message.message_id] = message
        return message

    def message_json(self, message: MessageRecord) -> JsonDict:
        chat = self.chats[message.chat_id]
        reply_to = None
        if message.reply_to_message_id is not None:
            reply_to = chat.messages.get(message.reply_to_message_id)
        return message_json(message, chat, reply_to)

    def new_poll_id(self) -> str:
        return str(next(self._poll_ids))

    @staticmethod
    def new_file_id(prefix: str) -> str:
        """An opaque id in the style of Telegram's (``AgACAgIAAxkBAA...``)."""
        return prefix + secrets.token_urlsafe(24)

    def sent_messages(self, chat_id: int, bot: BotRef | None = None) -> list[MessageRecord]:
        """Messages bots sent to ``chat_id`` (optionally one bot's), oldest first, including
        deleted ones (their ``deleted`` flag is set)."""
        chat = self.chats.get(chat_id)
        if chat is None:
            return []
        bot_id = self.bot(bot).id if bot is not None else None
        return [
            message
            for message in chat.messages.values()
            if message.from_bot
            and message.service is None
            and (bot_id is None or message.sender.id == bot_id)
        ]

    def reopen(self) -> None:
        for queue in self.queues.values():
            queue.reopen()

    async def close(self) -> None:
        for queue in self.queues.values():
            await queue.close()
