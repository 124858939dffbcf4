"""A WAHA (WhatsApp HTTP API gateway) emulator: an aiohttp server on 127.0.0.1.

API (``X-Api-Key`` required when the emulator has a key; 401 otherwise): ``POST /api/sendText
{session, chatId, text}``, ``POST /api/sendPoll {session, chatId, poll {name, options,
multipleAnswers}}``, ``GET /api/{session}/groups``, ``GET /api/sessions/{session}``. Sends need
the session ``WORKING`` (else 422 as WAHA answers) and a chat the number is in (else 404).
Injected faults answer like WAHA relays WhatsApp's refusals: 500 with ``server returned error
463`` (reach-out timelock) or ``475`` (message capping).

Webhooks (``message``, ``poll.vote``, ``message.ack``, ``session.status``) go to the configured
URL in WAHA's envelope ``{id, timestamp, event, session, payload}``; with an HMAC key they carry
``X-Webhook-Hmac`` (hex HMAC-SHA512 of the exact body) and ``X-Webhook-Hmac-Algorithm: sha512``.

Groups API and join/leave events: :mod:`.groups` (participants with roles, ``group.v2.join``
and ``group.v2.leave`` when the number is added to or removed from a group).

Admin API under ``/_sandbox/``: ``GET groups``, ``POST groups {name, members, joined}``,
``POST message {chatId, from, text}``, ``POST vote {pollId, from, options}``, ``POST session
{status}``, ``POST faults {code, times}``, ``POST config {webhook_url, hmac_key}``, ``GET
stats``, ``GET messages?chatId=``. A malformed admin request answers 400 ``{"error"}``, an
unknown group or poll 404. ``broadcaster sandbox waha …`` (:mod:`.cli`) drives these from a shell.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from .groups import add_group_routes
from .residents import add_resident_routes, media_message, new_id, quoted, remember

HMAC_HEADER = "X-Webhook-Hmac"


def sign(key: str, body: bytes) -> str:
    return hmac.new(key.encode(), body, hashlib.sha512).hexdigest()


@dataclass
class Group:
    id: str
    name: str
    members: list[str]
    #: member id → WAHA role (participant, admin, superadmin); see :mod:`.groups`
    roles: dict[str, str] = field(default_factory=dict)


@dataclass
class SentMessage:
    id: str
    chat_id: str
    kind: str
    body: dict[str, Any]
    at: float
    poll_options: list[str] = field(default_factory=list)


class Unknown(LookupError):
    """An admin request named a group or poll the emulator does not have (404)."""


class WahaSandbox:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        api_key: str | None = None,
        hmac_key: str | None = None,
        session: str = "default",
        me: str = "6281100000001",
    ) -> None:
        self.host, self.port = host, port
        self.api_key = api_key
        self.hmac_key = hmac_key
        self.session = session
        self.me = me
        self.status = "WORKING"
        self.groups: dict[str, Group] = {}
        self.sent: list[SentMessage] = []
        #: members' messages by id (quoted by later replies) and their media files by name
        self.received: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.faults: list[tuple[int, int]] = []  # (code, times)
        self.errors: dict[int, int] = {}
        self.webhook_url: str | None = None
        self.webhooks_sent = 0
        self.webhooks_failed = 0
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self._http: aiohttp.ClientSession | None = None
        self._queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("the WAHA sandbox is not running")
        return self._url

    async def start(self) -> str:
        if self._runner is not None:
            return self.url
        app = web.Application(middlewares=[self._auth, _admin_errors])
        app.router.add_post("/api/sendText", self._send_text)
        app.router.add_post("/api/sendPoll", self._send_poll)
        app.router.add_get("/api/sessions/{session}", self._session)
        app.router.add_get("/api/{session}/groups", self._groups)
        add_group_routes(self, app)
        add_resident_routes(self, app)
        app.router.add_get("/_sandbox/groups", self._list_groups)
        app.router.add_post("/_sandbox/groups", self._add_group)
        app.router.add_post("/_sandbox/message", self._member_message)
        app.router.add_post("/_sandbox/vote", self._member_vote)
        app.router.add_post("/_sandbox/session", self._set_session)
        app.router.add_post("/_sandbox/faults", self._fault)
        app.router.add_post("/_sandbox/config", self._config)
        app.router.add_get("/_sandbox/stats", self._stats)
        app.router.add_get("/_sandbox/messages", self._messages)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._url = f"http://{self.host}:{runner.addresses[0][1]}"
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        self._worker = asyncio.create_task(self._deliver())
        return self._url

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        if self._http is not None:
            await self._http.close()
            self._http = None
        if runner is not None:
            await runner.cleanup()
        self._url = None

    # -- scripting (also over the admin API) -------------------------------------------------

    def create_group(self, name: str, members: int = 5, joined: bool = True) -> Group:
        """A community group of ``members`` people; the first of them created it (its
        superadmin). ``joined``: the number is in it already (else see :meth:`add_number`)."""
        gid = "120363" + "".join(str(secrets.randbelow(10)) for _ in range(12)) + "@g.us"
        people = [f"628{secrets.randbelow(10**9):09d}@c.us" for _ in range(members)]
        mine = [self.me + "@c.us"] if joined else []
        group = self.groups[gid] = Group(gid, name, [*mine, *people])
        group.roles = {p: "participant" for p in group.members}
        if people:
            group.roles[people[0]] = "superadmin"
        return group

    def member_message(
        self, chat_id: str, author: str, text: str, reply_to: str | None = None
    ) -> str:
        """A member writes in a group; ``reply_to`` quotes an earlier message (a member's or
        one the number sent: ``replyTo`` in the webhook, see :mod:`.residents`)."""
        message_id = new_id(chat_id, author)
        payload: dict[str, Any] = {
            "id": message_id,
            "timestamp": int(time.time()),
            "from": chat_id,
            "fromMe": False,
            "participant": author,
            "to": self.me + "@c.us",
            "body": text,
            "hasMedia": False,
            "source": "app",
        }
        if reply_to is not None:
            try:
                payload["replyTo"] = quoted(self, reply_to)
            except LookupError as exc:
                raise Unknown(str(exc)) from None
        remember(self, payload)
        self._emit("message", payload)
        return message_id

    def member_media(
        self,
        chat_id: str,
        author: str,
        kind: str = "image",
        caption: str = "",
        content: bytes | None = None,
    ) -> str:
        """A member posts an image, video or document (see :mod:`.residents`)."""
        return media_message(self, chat_id, author, kind, caption, content)

    def member_vote(self, poll_id: str, author: str, options: list[str]) -> None:
        poll = next((m for m in self.sent if m.id == poll_id and m.kind == "poll"), None)
        if poll is None:
            raise Unknown(f"no poll {poll_id}")
        unknown = [o for o in options if o not in poll.poll_options]
        if unknown:
            raise ValueError(f"{unknown} are not options of poll {poll_id}: {poll.poll_options}")
        vote = {
            "id": f"false_{poll.chat_id}_{secrets.token_hex(10).upper()}_{author}",
            "to": poll.chat_id,
            "from": author,
            "fromMe": False,
            "selectedOptions": options,
            "timestamp": int(time.time()),
        }
        self._emit(
            "poll.vote",
            {
                "vote": vote,
                "poll": {
                    "id": poll_id,
                    "to": poll.chat_id,
                    "from": self.me + "@c.us",
                    "fromMe": True,
                },
            },
        )

    def set_status(self, status: str) -> None:
        self.status = status
        self._emit("session.status", {"status": status})

    # -- API ---------------------------------------------------------------------------------

    @web.middleware
    async def _auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith("/api/") and self.api_key is not None:
            given = request.headers.get("X-Api-Key", "")
            if not hmac.compare_digest(given, self.api_key):
                return web.json_response({"message": "Unauthorized", "statusCode": 401}, status=401)
        response: web.StreamResponse = await handler(request)
        return response

    async def _check(self, body: Any) -> web.Response | str:
        if not isinstance(body, dict) or body.get("session") != self.session:
            return _err(
                404,
                f'Session "{body.get("session") if isinstance(body, dict) else ""}" does not exist',
            )
        if self.status != "WORKING":
            return _err(
                422,
                f"Session status is not as expected. Try again later or restart the session. "
                f"Session status: {self.status}, expected: WORKING",
            )
        for i, (code, times) in enumerate(self.faults):
            self.errors[code] = self.errors.get(code, 0) + 1
            if times <= 1:
                self.faults.pop(i)
            else:
                self.faults[i] = (code, times - 1)
            if code in (463, 475):
                return _err(500, f"Error: server returned error {code}")
            return _err(code, "Injected fault")
        chat = str(body.get("chatId", ""))
        group = self.groups.get(chat)
        if chat.endswith("@g.us") and (group is None or self.me + "@c.us" not in group.members):
            return _err(404, f"Chat not found: {chat}")
        if not chat.endswith(("@g.us", "@c.us")):
            return _err(400, f"chatId {chat!r} must end with @c.us or @g.us")
        return chat

    def _record(
        self, chat: str, kind: str, body: dict[str, Any], options: list[str]
    ) -> SentMessage:
        message = SentMessage(
            f"true_{chat}_{secrets.token_hex(10).upper()}", chat, kind, body, time.time(), options
        )
        self.sent.append(message)
        for ack, name in ((1, "SERVER"), (2, "DEVICE")):
            self._emit(
                "message.ack",
                {
                    "id": message.id,
                    "from": self.me + "@c.us",
                    "to": chat,
                    "ack": ack,
                    "ackName": name,
                    "fromMe": True,
                },
            )
        return message

    async def _send_text(self, request: web.Request) -> web.Response:
        body = await request.json()
        chat = await self._check(body)
        if isinstance(chat, web.Response):
            return chat
        text = body.get("text")
        if not isinstance(text, str) or not text:
            return _err(400, "text must be a non-empty string")
        message = self._record(chat, "text", body, [])
        return web.json_response(
            {
                "id": message.id,
                "timestamp": int(message.at),
                "from": self.me + "@c.us",
                "to": chat,
                "body": text,
                "fromMe": True,
            }
        )

    async def _send_poll(self, request: web.Request) -> web.Response:
        body = await request.json()
        chat = await self._check(body)
        if isinstance(chat, web.Response):
            return chat
        poll = body.get("poll") or {}
        options = poll.get("options")
        if not isinstance(options, list) or not 2 <= len(options) <= 12 or not poll.get("name"):
            return _err(400, "poll needs a name and 2-12 options")
        message = self._record(chat, "poll", body, [str(o) for o in options])
        return web.json_response({"id": message.id, "timestamp": int(message.at), "fromMe": True})

    async def _session(self, request: web.Request) -> web.Response:
        if request.match_info["session"] != self.session:
            return _err(404, "Session not found")
        me = {"id": self.me + "@c.us", "pushName": "Kominfo Banten"}
        return web.json_response({"name": self.session, "status": self.status, "me": me})

    async def _groups(self, request: web.Request) -> web.Response:
        if request.match_info["session"] != self.session:
            return _err(404, "Session not found")
        return web.json_response(
            [
                {"id": g.id, "subject": g.name, "participants": [{"id": m} for m in g.members]}
                for g in self.groups.values()
                if self.me + "@c.us" in g.members
            ]
        )

    # -- webhooks ----------------------------------------------------------------------------

    def _emit(self, event: str, payload: dict[str, Any]) -> None:
        self._queue.put_nowait((event, payload))

    async def post_webhook(self, envelope: dict[str, Any]) -> int:
        assert self._http is not None and self.webhook_url
        raw = json.dumps(envelope).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Webhook-Request-Id": envelope["id"],
            "X-Webhook-Timestamp": str(envelope["timestamp"]),
        }
        if self.hmac_key:
            headers[HMAC_HEADER] = sign(self.hmac_key, raw)
            headers["X-Webhook-Hmac-Algorithm"] = "sha512"
        async with self._http.post(self.webhook_url, data=raw, headers=headers) as answer:
            return answer.status

    def envelope(self, event: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": "evt_" + secrets.token_hex(13).upper(),
            "timestamp": int(time.time() * 1000),
            "event": event,
            "session": self.session,
            "me": {"id": self.me + "@c.us"},
            "payload": payload,
            "engine": "NOWEB",
        }

    async def _deliver(self) -> None:
        while True:
            event, payload = await self._queue.get()
            if not self.webhook_url:
                continue
            envelope = self.envelope(event, payload)
            for attempt in range(5):
                try:
                    if 200 <= await self.post_webhook(envelope) < 300:
                        self.webhooks_sent += 1
                        break
                except (aiohttp.ClientError, TimeoutError):
                    pass
                await asyncio.sleep(0.05 * 2**attempt)
            else:
                self.webhooks_failed += 1

    async def drain(self, within: float = 5.0) -> None:
        for _ in range(max(1, int(within / 0.02))):
            if not self._queue.qsize():
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.05)

    # -- admin -------------------------------------------------------------------------------

    async def _add_group(self, request: web.Request) -> web.Response:
        data = await request.json()
        group = self.create_group(
            str(data.get("name", "Grup")),
            int(data.get("members", 5)),
            joined=bool(data.get("joined", True)),
        )
        people = [m for m in group.members if m != self.me + "@c.us"]
        return web.json_response(
            {"id": group.id, "name": group.name, "members": group.members, "people": people}
        )

    async def _list_groups(self, request: web.Request) -> web.Response:
        return web.json_response(
            [
                {
                    "id": g.id,
                    "name": g.name,
                    "members": g.members,
                    "joined": self.me + "@c.us" in g.members,
                }
                for g in self.groups.values()
            ]
        )

    async def _member_message(self, request: web.Request) -> web.Response:
        data = await request.json()
        chat = str(data["chatId"])
        if chat not in self.groups:
            raise Unknown(f"no group {chat}")
        author = str(data.get("from") or self.groups[chat].members[-1])
        reply_to = data.get("replyTo")
        message_id = self.member_message(
            chat, author, str(data["text"]), None if reply_to is None else str(reply_to)
        )
        return web.json_response({"id": message_id})

    async def _member_vote(self, request: web.Request) -> web.Response:
        data = await request.json()
        self.member_vote(str(data["pollId"]), str(data["from"]), [str(o) for o in data["options"]])
        return web.json_response({"ok": True})

    async def _set_session(self, request: web.Request) -> web.Response:
        self.set_status(str((await request.json())["status"]))
        return web.json_response({"status": self.status})

    async def _fault(self, request: web.Request) -> web.Response:
        data = await request.json()
        self.faults.append((int(data["code"]), int(data.get("times", 1))))
        return web.json_response({"faults": len(self.faults)})

    async def _config(self, request: web.Request) -> web.Response:
        data = await request.json()
        if "webhook_url" in data:
            self.webhook_url = data["webhook_url"]
        if "hmac_key" in data:
            self.hmac_key = data["hmac_key"]
        return web.json_response({"webhook_url": self.webhook_url})

    async def _stats(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "sent": len(self.sent),
                "errors": {str(k): v for k, v in self.errors.items()},
                "status": self.status,
                "webhooks_sent": self.webhooks_sent,
                "webhooks_failed": self.webhooks_failed,
            }
        )

    async def _messages(self, request: web.Request) -> web.Response:
        chat = request.query.get("chatId")
        return web.json_response(
            [
                {"id": m.id, "chatId": m.chat_id, "kind": m.kind, "body": m.body, "at": m.at}
                for m in self.sent
                if chat is None or m.chat_id == chat
            ][-1000:]
        )


@web.middleware
async def _admin_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """Admin requests: an unknown group or poll answers 404, a malformed request 400, each
    with ``{"error"}`` (instead of aiohttp's bare 500), so the CLI can say what was wrong."""
    try:
        response: web.StreamResponse = await handler(request)
    except Unknown as exc:
        return web.json_response({"error": str(exc)}, status=404)
    except (KeyError, TypeError, ValueError) as exc:
        if not request.path.startswith("/_sandbox/"):
            raise
        reason = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
        return web.json_response({"error": reason}, status=400)
    return response


def _err(status: int, message: str) -> web.Response:
    body = {
        "statusCode": status,
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "exception": {"message": message, "name": "Error"},
        "message": message,
    }
    return web.json_response(body, status=status)
