"""Admin HTTP API under ``/sandbox/``: script the community and faults from another process.

Every endpoint takes and returns JSON: ``{"ok": true, "result": ...}`` on success,
``{"ok": false, "error": "..."}`` with 400 (bad input) or 404 (unknown bot/user/chat/poll).
Bots are named by token or id (``"bot"``); users and chats by id.

====================================================  =========================================
``GET  /sandbox/health``                              liveness
``GET  /sandbox/stats``                               counters (:class:`SandboxStats`)
``POST /sandbox/bots``                                ``{token, username?, first_name?,
                                                      privacy_mode?}``
``GET  /sandbox/bots``                                registered bots
``POST /sandbox/users``                               ``{first_name, user_id?, last_name?,
                                                      username?, language_code?}``
``GET  /sandbox/users``, ``GET  /sandbox/chats``      residents; groups (with ``bot_messages``)
``POST /sandbox/groups``                              ``{title, type?, creator, admins?,
                                                      members?, chat_id?, username?}``
``GET  /sandbox/chats/{id}``                          chat, roster, migration
``POST /sandbox/chats/{id}/bot``                      add bot ``{bot, by_user, as_admin?}``
``POST /sandbox/chats/{id}/bot/promote``              ``{bot, by_user}``
``POST /sandbox/chats/{id}/bot/remove``               ``{bot, by_user, ban?}`` (ban → kicked)
``POST /sandbox/chats/{id}/members``                  ``{user_id, status?, by_user?}``
``POST /sandbox/chats/{id}/members/remove``           ``{user_id, ban?}``
``POST /sandbox/chats/{id}/migrate``                  ``{new_chat_id?}`` → the supergroup
``POST /sandbox/chats/{id}/messages``                 user message ``{user_id, text,
                                                      reply_to_message_id?}``
``POST /sandbox/chats/{id}/commands``                 ``{user_id, command, args?}``
``POST /sandbox/chats/{id}/media``                    a member's photo, document or video
                                                      ``{user_id, kind?, caption?, file_id?}``
``GET  /sandbox/chats/{id}/messages?bot=``            what bots sent there
``POST /sandbox/chats/{id}/buttons``                  ``{message_id, user_id, data}``
``POST /sandbox/private/{user_id}/messages``          ``{bot, text}``
``POST /sandbox/private/{user_id}/start|block|unblock``  ``{bot}``
``POST /sandbox/private/{user_id}/forward``           forward a message to the bot ``{bot,
                                                      from_chat_id, message_id}``
``GET  /sandbox/polls/{id}``                          poll state with voters
``POST /sandbox/polls/{id}/votes``                    ``{user_id, option_ids}`` ([] retracts)
``POST /sandbox/polls/{id}/close``                    close as if stopped
``POST /sandbox/faults``                              ``{kind, count?, seconds?, retry_after?,
                                                      status?, delay_ms?, methods?, chat_id?,
                                                      bot?}``; ``kind`` also ``kick``
                                                      ``{chat_id, bot, by_user?}`` or
                                                      ``migrate`` ``{chat_id}``
``GET|DELETE /sandbox/faults``, ``DELETE /sandbox/faults/{id}``  list / clear / remove rules
``POST /sandbox/limits``                              replace limits (fields of LimitsConfig)
``POST /sandbox/updates``                             inject an update as given, however
                                                      malformed ``{bot, fields}`` → update_id
``POST /sandbox/member-fields``                       play an older Bot API server: leave
                                                      ``{omit: [names]}`` out of ChatMembers
====================================================  =========================================
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .config import LimitsConfig
from .errors import ApiError
from .faults import rule_from_json
from .models import ChatRecord, MessageRecord, UserRecord

if TYPE_CHECKING:
    from .server import TelegramSandbox

JsonDict = dict[str, Any]
Action = Callable[[web.Request, JsonDict], Any]


def admin_routes(sandbox: TelegramSandbox) -> list[web.RouteDef]:
    """The ``/sandbox/...`` routes bound to ``sandbox``."""
    handlers = _AdminHandlers(sandbox)
    get, post, delete = web.get, web.post, web.delete
    return [
        get("/sandbox/health", _wrap(lambda r, b: {"url": sandbox.url})),
        get("/sandbox/stats", _wrap(lambda r, b: sandbox.stats.to_json())),
        post("/sandbox/bots", _wrap(handlers.add_bot)),
        get("/sandbox/bots", _wrap(handlers.list_bots)),
        post("/sandbox/users", _wrap(handlers.add_user)),
        get("/sandbox/users", _wrap(lambda r, b: [u.to_json() for u in handlers.residents()])),
        get("/sandbox/chats", _wrap(handlers.list_chats)),
        post("/sandbox/groups", _wrap(handlers.create_group)),
        get("/sandbox/chats/{chat_id}", _wrap(handlers.chat)),
        post("/sandbox/chats/{chat_id}/bot", _wrap(handlers.chat_bot_add)),
        post("/sandbox/chats/{chat_id}/bot/promote", _wrap(handlers.chat_bot_promote)),
        post("/sandbox/chats/{chat_id}/bot/remove", _wrap(handlers.chat_bot_remove)),
        post("/sandbox/chats/{chat_id}/members", _wrap(handlers.member_add)),
        post("/sandbox/chats/{chat_id}/members/remove", _wrap(handlers.member_remove)),
        post("/sandbox/chats/{chat_id}/migrate", _wrap(handlers.migrate)),
        post("/sandbox/chats/{chat_id}/messages", _wrap(handlers.user_message)),
        post("/sandbox/chats/{chat_id}/commands", _wrap(handlers.user_command)),
        post("/sandbox/chats/{chat_id}/media", _wrap(handlers.user_media)),
        get("/sandbox/chats/{chat_id}/messages", _wrap(handlers.sent_messages)),
        post("/sandbox/chats/{chat_id}/buttons", _wrap(handlers.press_button)),
        post("/sandbox/private/{user_id}/messages", _wrap(handlers.private_message)),
        post("/sandbox/private/{user_id}/{action:start|block|unblock}", _wrap(handlers.private)),
        post("/sandbox/private/{user_id}/forward", _wrap(handlers.forward)),
        get("/sandbox/polls/{poll_id}", _wrap(handlers.poll)),
        post("/sandbox/polls/{poll_id}/votes", _wrap(handlers.vote)),
        post("/sandbox/polls/{poll_id}/close", _wrap(handlers.close_poll)),
        post("/sandbox/faults", _wrap(handlers.add_fault)),
        get("/sandbox/faults", _wrap(lambda r, b: [f.to_json() for f in sandbox.faults.active()])),
        delete("/sandbox/faults", _wrap(handlers.clear_faults)),
        delete("/sandbox/faults/{rule_id}", _wrap(handlers.remove_fault)),
        post("/sandbox/limits", _wrap(handlers.set_limits)),
        post("/sandbox/updates", _wrap(handlers.inject_update)),
        post("/sandbox/member-fields", _wrap(handlers.omit_member_fields)),
    ]


def _wrap(action: Action) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Parse the JSON body, run ``action``, and map errors to 400/404 JSON answers."""

    async def handler(request: web.Request) -> web.StreamResponse:
        body: JsonDict = {}
        if request.can_read_body:
            try:
                parsed = await request.json()
            except ValueError:
                return _error(400, "the body must be a JSON object")
            if not isinstance(parsed, dict):
                return _error(400, "the body must be a JSON object")
            body = parsed
        try:
            result = action(request, body)
        except KeyError as exc:
            return _error(404, f"not found: {exc.args[0] if exc.args else ''}")
        except (ValueError, TypeError) as exc:
            return _error(400, str(exc))
        except ApiError as exc:
            return _error(400, exc.description)
        return web.json_response({"ok": True, "result": result}, dumps=_dumps)

    return handler


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _error(status: int, message: str) -> web.StreamResponse:
    return web.json_response({"ok": False, "error": message}, status=status)


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{name} must be an integer")
    return int(value)


def _opt_int(body: JsonDict, name: str) -> int | None:
    return None if body.get(name) is None else _int(body[name], name)


def _ints(body: JsonDict, name: str) -> list[int]:
    values = body.get(name) or []
    if not isinstance(values, list):
        raise ValueError(f"{name} must be a list of integers")
    return [_int(value, name) for value in values]


def _bot_ref(body: JsonDict) -> str | int:
    bot = body.get("bot")
    if isinstance(bot, bool) or not isinstance(bot, str | int):
        raise ValueError("bot (token or id) is required")
    return bot


class _AdminHandlers:
    """One method per endpoint; each returns the JSON result or raises."""

    def __init__(self, sandbox: TelegramSandbox) -> None:
        self.sb = sandbox
        self.state = sandbox.state
        self.community = sandbox.community

    def _chat_id(self, request: web.Request) -> int:
        return _int(request.match_info["chat_id"], "chat_id")

    def add_bot(self, request: web.Request, body: JsonDict) -> JsonDict:
        bot = self.community.register_bot(
            str(body.get("token", "")),
            username=body.get("username"),
            first_name=body.get("first_name"),
            privacy_mode=bool(body.get("privacy_mode", True)),
        )
        return bot.get_me_json()

    def list_bots(self, request: web.Request, body: JsonDict) -> list[JsonDict]:
        return [bot.get_me_json() for bot in self.state.bots.values()]

    def add_user(self, request: web.Request, body: JsonDict) -> JsonDict:
        first_name = body.get("first_name")
        if not isinstance(first_name, str) or not first_name:
            raise ValueError("first_name is required")
        return self.community.add_user(
            first_name,
            user_id=_opt_int(body, "user_id"),
            last_name=body.get("last_name"),
            username=body.get("username"),
            language_code=body.get("language_code", "id"),
        ).to_json()

    def residents(self) -> list[UserRecord]:
        return [user for user in self.state.users.values() if not user.is_bot]

    def list_chats(self, request: web.Request, body: JsonDict) -> list[JsonDict]:
        groups = [chat for chat in self.state.chats.values() if chat.is_group]
        views = [_chat_view(chat) for chat in groups]
        for view, chat in zip(views, groups, strict=True):
            view["bot_messages"] = len(self.state.sent_messages(chat.id))
        return views

    def create_group(self, request: web.Request, body: JsonDict) -> JsonDict:
        title = body.get("title")
        if not isinstance(title, str) or not title:
            raise ValueError("title is required")
        chat = self.community.create_group(
            title,
            chat_type=body.get("type", "group"),
            creator=_int(body.get("creator"), "creator"),
            admins=_ints(body, "admins"),
            members=_ints(body, "members"),
            chat_id=_opt_int(body, "chat_id"),
            username=body.get("username"),
        )
        return _chat_view(chat)

    def inject_update(self, request: web.Request, body: JsonDict) -> int:
        fields = body.get("fields")
        if not isinstance(fields, dict) or not fields:
            raise ValueError("fields: a JSON object with the update's fields is required")
        return self.state.inject_update(self.state.bot(_bot_ref(body)).id, fields)

    def omit_member_fields(self, request: web.Request, body: JsonDict) -> list[str]:
        omit = body.get("omit")
        if not isinstance(omit, list) or not all(isinstance(name, str) for name in omit):
            raise ValueError("omit: a list of ChatMember field names is required")
        self.sb.config.omit_member_fields = frozenset(omit)
        return sorted(omit)

    def chat(self, request: web.Request, body: JsonDict) -> JsonDict:
        return _chat_view(self.state.chat(self._chat_id(request)))

    def chat_bot_add(self, request: web.Request, body: JsonDict) -> JsonDict:
        chat = self.community.add_bot(
            self._chat_id(request),
            _bot_ref(body),
            by_user=_int(body.get("by_user"), "by_user"),
            as_admin=bool(body.get("as_admin", False)),
        )
        return _chat_view(chat)

    def chat_bot_promote(self, request: web.Request, body: JsonDict) -> bool:
        self.community.promote_bot(
            self._chat_id(request), _bot_ref(body), by_user=_int(body.get("by_user"), "by_user")
        )
        return True

    def chat_bot_remove(self, request: web.Request, body: JsonDict) -> bool:
        self.community.remove_bot(
            self._chat_id(request),
            _bot_ref(body),
            by_user=_int(body.get("by_user"), "by_user"),
            ban=bool(body.get("ban", True)),
        )
        return True

    def member_add(self, request: web.Request, body: JsonDict) -> bool:
        self.community.add_member(
            self._chat_id(request),
            _int(body.get("user_id"), "user_id"),
            status=body.get("status", "member"),
            by_user=_opt_int(body, "by_user"),
        )
        return True

    def member_remove(self, request: web.Request, body: JsonDict) -> bool:
        self.community.remove_member(
            self._chat_id(request),
            _int(body.get("user_id"), "user_id"),
            ban=bool(body.get("ban", False)),
        )
        return True

    def migrate(self, request: web.Request, body: JsonDict) -> JsonDict:
        new = self.community.migrate_group(
            self._chat_id(request), new_chat_id=_opt_int(body, "new_chat_id")
        )
        return _chat_view(new)

    def user_message(self, request: web.Request, body: JsonDict) -> JsonDict:
        message = self.community.user_message(
            self._chat_id(request),
            _int(body.get("user_id"), "user_id"),
            str(body.get("text", "")),
            reply_to_message_id=_opt_int(body, "reply_to_message_id"),
        )
        return self.state.message_json(message)

    def user_command(self, request: web.Request, body: JsonDict) -> JsonDict:
        args = body.get("args") or []
        if not isinstance(args, list):
            raise ValueError("args must be a list")
        message = self.community.user_command(
            self._chat_id(request),
            _int(body.get("user_id"), "user_id"),
            str(body.get("command", "")),
            *[str(arg) for arg in args],
        )
        return self.state.message_json(message)

    def user_media(self, request: web.Request, body: JsonDict) -> JsonDict:
        kind = str(body.get("kind", "photo"))
        if kind not in ("photo", "document", "video"):
            raise ValueError("kind must be photo, document or video")
        caption, file_id = body.get("caption"), body.get("file_id")
        message = self.community.user_media(
            self._chat_id(request),
            _int(body.get("user_id"), "user_id"),
            kind,  # type: ignore[arg-type]
            caption=None if caption is None else str(caption),
            file_id=None if file_id is None else str(file_id),
        )
        return self.state.message_json(message)

    def forward(self, request: web.Request, body: JsonDict) -> JsonDict:
        message = self.community.forward_to_bot(
            _int(request.match_info["user_id"], "user_id"),
            _bot_ref(body),
            _int(body.get("from_chat_id"), "from_chat_id"),
            _int(body.get("message_id"), "message_id"),
        )
        return self.state.message_json(message)

    def sent_messages(self, request: web.Request, body: JsonDict) -> list[JsonDict]:
        bot = request.query.get("bot")
        messages = self.sb.messages(self._chat_id(request), bot or None)
        return [_message_view(self.sb, message) for message in messages]

    def press_button(self, request: web.Request, body: JsonDict) -> str:
        return self.community.press_button(
            self._chat_id(request),
            _int(body.get("message_id"), "message_id"),
            _int(body.get("user_id"), "user_id"),
            str(body.get("data", "")),
        )

    def private_message(self, request: web.Request, body: JsonDict) -> JsonDict:
        user_id = _int(request.match_info["user_id"], "user_id")
        message = self.community.private_message(user_id, _bot_ref(body), str(body.get("text")))
        return self.state.message_json(message)

    def private(self, request: web.Request, body: JsonDict) -> Any:
        user_id = _int(request.match_info["user_id"], "user_id")
        action = request.match_info["action"]
        if action == "start":
            return self.state.message_json(self.community.start_private(user_id, _bot_ref(body)))
        if action == "block":
            self.community.block_bot(user_id, _bot_ref(body))
        else:
            self.community.unblock_bot(user_id, _bot_ref(body))
        return True

    def poll(self, request: web.Request, body: JsonDict) -> JsonDict:
        poll = self.sb.poll(request.match_info["poll_id"])
        view = poll.to_json()
        view.update(
            chat_id=poll.chat_id,
            message_id=poll.message_id,
            votes={str(user): list(options) for user, options in poll.votes.items()},
        )
        return view

    def vote(self, request: web.Request, body: JsonDict) -> JsonDict:
        poll = self.community.vote(
            request.match_info["poll_id"],
            _int(body.get("user_id"), "user_id"),
            _ints(body, "option_ids"),
        )
        return poll.to_json()

    def close_poll(self, request: web.Request, body: JsonDict) -> JsonDict:
        return self.community.close_poll(request.match_info["poll_id"]).to_json()

    def add_fault(self, request: web.Request, body: JsonDict) -> Any:
        kind = body.get("kind")
        if kind == "kick":
            chat_id = _int(body.get("chat_id"), "chat_id")
            by_user = _opt_int(body, "by_user")
            if by_user is None:
                chat = self.state.chat(chat_id)
                by_user = next(uid for uid, status in chat.roster.items() if status == "creator")
            self.community.remove_bot(chat_id, _bot_ref(body), by_user=by_user, ban=True)
            return True
        if kind == "migrate":
            new = self.community.migrate_group(_int(body.get("chat_id"), "chat_id"))
            return _chat_view(new)
        bot_id = self.state.bot(_bot_ref(body)).id if body.get("bot") is not None else None
        return self.sb.faults.add(rule_from_json(body, bot_id)).to_json()

    def clear_faults(self, request: web.Request, body: JsonDict) -> bool:
        self.sb.faults.clear()
        return True

    def remove_fault(self, request: web.Request, body: JsonDict) -> bool:
        if not self.sb.faults.remove(_int(request.match_info["rule_id"], "rule_id")):
            raise KeyError(request.match_info["rule_id"])
        return True

    def set_limits(self, request: web.Request, body: JsonDict) -> JsonDict:
        names = {f.name for f in dataclasses.fields(LimitsConfig)} - {"flood_exempt_methods"}
        unknown = set(body) - names
        if unknown:
            raise ValueError(f"unknown limit fields: {sorted(unknown)}")
        limits = dataclasses.replace(self.sb.config.limits, **body)
        self.sb.configure_limits(limits)
        return {name: getattr(limits, name) for name in sorted(names)}


def _chat_view(chat: ChatRecord) -> JsonDict:
    view = chat.to_json()
    view["roster"] = {str(user): status for user, status in chat.roster.items()}
    if chat.migrated_to is not None:
        view["migrated_to"] = chat.migrated_to
    if chat.migrated_from is not None:
        view["migrated_from"] = chat.migrated_from
    return view


def _message_view(sandbox: TelegramSandbox, message: MessageRecord) -> JsonDict:
    view = sandbox.state.message_json(message)
    view["sandbox"] = {
        "raw_text": message.raw_text,
        "parse_mode": message.parse_mode,
        "deleted": message.deleted,
        "paid_broadcast": message.paid_broadcast,
        "kind": message.kind,
    }
    return view
