"""The WhatsApp Cloud API emulator: an aiohttp server on 127.0.0.1.

``POST /{version}/{phone_number_id}/messages`` with ``Authorization: Bearer <token>``, checked in
Meta's order: token (190) → injected fault → throughput (130429, sliding one-second window) →
payload (100, 131009, 132001, 132000) → 24-hour window for anything but a template (131047) →
pair rate (131056). Accepted messages answer Meta's success body; then, when a webhook URL is
set, status webhooks follow (sent → delivered → read; an unreachable resident gives ``failed``
with 131026), signed with ``X-Hub-Signature-256`` over the exact body and retried on non-2xx.

Admin API (scripting residents and faults) under ``/_sandbox/``: ``GET stats``, ``GET
messages?to=``, ``GET residents``, ``POST residents {wa_id?, name, reachable, reads}``, ``POST
inbound {from, text | button {id, title} | list {id, title}, context, media {kind,
content_b64?, id?}, forwarded, frequently_forwarded}``, ``POST faults {code,
times, to}``, ``POST config {per_second, pair_burst, pair_interval, webhook_url, statuses,
expired_token}``, ``POST templates {name, language, params}``. A malformed admin request
answers 400 ``{"error"}``. ``broadcaster sandbox whatsapp …`` (:mod:`.cli`) drives these
from a shell.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import secrets
import time
import zlib
from dataclasses import asdict
from typing import Any

import aiohttp
from aiohttp import web

from .errors import error_body, webhook_error
from .media import MediaIn
from .state import CloudLimits, CloudState, Fault, ValidationError, validate

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
WEBHOOK_ATTEMPTS = 5
#: webhooks in flight at once: Meta posts them concurrently, so one slow answer does not hold
#: up the others; the webhooks about one resident keep their order (one queue per resident)
WEBHOOK_WORKERS = 4


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class CloudSandbox:
    """One emulated business phone number (``phone_number_id``) with its token and app secret."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        phone_number_id: str = "100200300400500",
        access_token: str | None = None,
        app_secret: str | None = None,
        limits: CloudLimits | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.state = CloudState(
            phone_number_id,
            access_token or "EAAG" + secrets.token_urlsafe(32),
            app_secret or secrets.token_hex(16),
            limits=limits or CloudLimits(),
        )
        # title, body, verification link ({{1}}, {{2}}, "Cek keaslian: {{3}}")
        self.state.templates[("pengumuman_resmi", "id")] = 3
        self.state.templates[("pengumuman_resmi", "en")] = 3
        self.webhooks_sent = 0
        self.webhooks_failed = 0
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self._http: aiohttp.ClientSession | None = None
        self._queues: list[asyncio.Queue[dict[str, Any]]] = [
            asyncio.Queue() for _ in range(WEBHOOK_WORKERS)
        ]
        self._tasks: set[asyncio.Task[None]] = set()
        self._workers: list[asyncio.Task[None]] = []

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("the WhatsApp Cloud API sandbox is not running")
        return self._url

    async def start(self) -> str:
        if self._runner is not None:
            return self.url
        app = web.Application()
        app.router.add_post("/{version}/{phone}/messages", self._messages)
        app.router.add_get("/_sandbox/stats", self._stats)
        app.router.add_get("/_sandbox/messages", self._list_messages)
        app.router.add_get("/_sandbox/residents", self._residents)
        app.router.add_post("/_sandbox/residents", self._add_resident)
        app.router.add_post("/_sandbox/inbound", self._inbound)
        app.router.add_post("/_sandbox/faults", self._fault)
        app.router.add_post("/_sandbox/config", self._config)
        app.router.add_post("/_sandbox/templates", self._template)
        app.middlewares.append(_admin_errors)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        port = runner.addresses[0][1]
        self._url = f"http://{self.host}:{port}"
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        self._workers = [
            asyncio.create_task(self._deliver_webhooks(queue)) for queue in self._queues
        ]
        return self._url

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        for task in [*self._tasks, *self._workers]:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for worker in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        self._workers = []
        if self._http is not None:
            await self._http.close()
            self._http = None
        if runner is not None:
            await runner.cleanup()
        self._url = None

    # -- the send endpoint -------------------------------------------------------------------

    async def _messages(self, request: web.Request) -> web.Response:
        state = self.state
        auth = request.headers.get("Authorization", "")
        token_ok = hmac.compare_digest(auth, f"Bearer {state.access_token}")
        if not token_ok or state.expired_token:
            return _error(190)
        if request.match_info["phone"] != state.phone_number_id:
            return _error(100, "Unsupported post request. Object with ID does not exist.")
        try:
            body = await request.json()
        except ValueError:
            return _error(100, "The request body is not valid JSON.")
        to = str(body.get("to", "")) if isinstance(body, dict) else ""
        fault = state.take_fault(to)
        if fault is not None:
            state.errors[fault] += 1
            return _error(fault)
        now = time.time()
        if not state.take_throughput(now):
            state.errors[130429] += 1
            return _error(130429)
        try:
            to, kind = validate(body, state.templates)
        except ValidationError as exc:
            state.errors[exc.code] += 1
            return _error(exc.code, exc.details)
        resident = state.residents.get(to)
        if kind != "template" and resident is not None and not state.window_open(to, now):
            state.errors[131047] += 1
            return _error(131047)
        if not state.take_pair(to, now):
            state.errors[131056] += 1
            return _error(131056)
        message = state.record(to, kind, body)
        if state.webhook_url and state.statuses:
            reachable = resident is not None and resident.reachable
            self._spawn(
                self._statuses(message.id, to, reachable, resident is not None and resident.reads)
            )
        answer: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": message.id}],
        }
        if kind == "template":
            answer["messages"][0]["message_status"] = "accepted"
        return web.json_response(answer)

    # -- webhooks ----------------------------------------------------------------------------

    def envelope(self, value: dict[str, Any]) -> dict[str, Any]:
        state = self.state
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "WABA" + state.phone_number_id,
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": state.display_number,
                                    "phone_number_id": state.phone_number_id,
                                },
                                **value,
                            },
                        }
                    ],
                }
            ],
        }

    async def _statuses(self, message_id: str, to: str, reachable: bool, reads: bool) -> None:
        steps = ["sent", "delivered", *(["read"] if reads else [])] if reachable else ["failed"]
        for status in steps:
            await asyncio.sleep(0.01)
            entry: dict[str, Any] = {
                "id": message_id,
                "status": status,
                "timestamp": str(int(time.time())),
                "recipient_id": to,
            }
            if status == "failed":
                entry["errors"] = [webhook_error(131026)]
            self._enqueue(to, self.envelope({"statuses": [entry]}))

    def inbound(
        self,
        sender: str,
        *,
        text: str | None = None,
        button: dict[str, str] | None = None,
        list_reply: dict[str, str] | None = None,
        context: str | None = None,
        media: MediaIn | None = None,
        forwarded: bool = False,
        frequently_forwarded: bool = False,
    ) -> str:
        """A resident writes (opening their 24-hour window); returns the inbound message id.
        ``media`` sends an image, video, document or audio (with ``text`` as its caption);
        ``forwarded``/``frequently_forwarded`` mark a forwarded message as WhatsApp does
        (``context.forwarded`` / ``context.frequently_forwarded``)."""
        resident = self.state.resident(sender)
        now = time.time()
        resident.last_inbound = now
        message: dict[str, Any] = {
            "from": sender,
            "id": "wamid." + secrets.token_urlsafe(24),
            "timestamp": str(int(now)),
        }
        if context is not None:
            message["context"] = {"from": self.state.display_number, "id": context}
        if forwarded or frequently_forwarded:
            flag = "frequently_forwarded" if frequently_forwarded else "forwarded"
            message["context"] = {**message.get("context", {}), flag: True}
        if media is not None:
            message["type"] = media.kind
            message[media.kind] = media.webhook_object(text)
        elif button is not None:
            message["type"] = "interactive"
            message["interactive"] = {"type": "button_reply", "button_reply": button}
        elif list_reply is not None:
            message["type"] = "interactive"
            message["interactive"] = {"type": "list_reply", "list_reply": list_reply}
        else:
            message["type"] = "text"
            message["text"] = {"body": text or ""}
        contacts = [{"profile": {"name": resident.name}, "wa_id": sender}]
        self._enqueue(sender, self.envelope({"contacts": contacts, "messages": [message]}))
        return str(message["id"])

    async def post_webhook(self, payload: dict[str, Any]) -> int:
        """Sign and POST one payload to the webhook URL; returns the HTTP status."""
        assert self._http is not None and self.state.webhook_url
        raw = json.dumps(payload, ensure_ascii=True).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self.state.app_secret, raw),
        }
        async with self._http.post(self.state.webhook_url, data=raw, headers=headers) as answer:
            return answer.status

    def _enqueue(self, resident: str, payload: dict[str, Any]) -> None:
        self._queues[zlib.crc32(resident.encode()) % len(self._queues)].put_nowait(payload)

    async def _deliver_webhooks(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        while True:
            payload = await queue.get()
            if not self.state.webhook_url:
                continue
            for attempt in range(WEBHOOK_ATTEMPTS):
                try:
                    if 200 <= await self.post_webhook(payload) < 300:
                        self.webhooks_sent += 1
                        break
                except (aiohttp.ClientError, TimeoutError) as exc:
                    log.debug("webhook delivery failed: %s", exc)
                await asyncio.sleep(0.05 * 2**attempt)
            else:
                self.webhooks_failed += 1

    async def drain(self, within: float = 5.0) -> None:
        """Wait until every queued webhook went out (tests)."""
        for _ in range(max(1, int(within / 0.02))):
            if not (any(q.qsize() for q in self._queues) or self._tasks):
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.05)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- admin -------------------------------------------------------------------------------

    async def _stats(self, request: web.Request) -> web.Response:
        state = self.state
        accepted = list(state.accepted)
        return web.json_response(
            {
                "accepted": len(accepted),
                "first_at": accepted[0].at if accepted else None,
                "last_at": accepted[-1].at if accepted else None,
                "errors": {str(code): n for code, n in state.errors.items()},
                "webhooks_sent": self.webhooks_sent,
                "webhooks_failed": self.webhooks_failed,
                "limits": asdict(state.limits),
            }
        )

    async def _list_messages(self, request: web.Request) -> web.Response:
        to = request.query.get("to")
        found = [
            {"id": m.id, "to": m.to, "type": m.type, "payload": m.payload, "at": m.at}
            for m in self.state.accepted
            if to is None or m.to == to
        ]
        return web.json_response(found[-1000:])

    async def _residents(self, request: web.Request) -> web.Response:
        now = time.time()
        return web.json_response(
            [
                {**asdict(r), "window_open": self.state.window_open(r.wa_id, now)}
                for r in self.state.residents.values()
            ]
        )

    async def _add_resident(self, request: web.Request) -> web.Response:
        data = await request.json()
        name = str(data.get("name", ""))
        wa_id = data.get("wa_id")
        resident = self.state.resident(str(wa_id), name) if wa_id else self.state.new_resident(name)
        resident.reachable = bool(data.get("reachable", True))
        resident.reads = bool(data.get("reads", True))
        return web.json_response(asdict(resident))

    async def _inbound(self, request: web.Request) -> web.Response:
        data = await request.json()
        message_id = self.inbound(
            str(data["from"]),
            text=data.get("text"),
            button=data.get("button"),
            list_reply=data.get("list"),
            context=data.get("context"),
            media=MediaIn.from_json(data["media"]) if data.get("media") else None,
            forwarded=bool(data.get("forwarded")),
            frequently_forwarded=bool(data.get("frequently_forwarded")),
        )
        return web.json_response({"id": message_id})

    async def _fault(self, request: web.Request) -> web.Response:
        data = await request.json()
        self.state.faults.append(
            Fault(int(data["code"]), int(data.get("times", 1)), data.get("to"))
        )
        return web.json_response({"faults": len(self.state.faults)})

    async def _config(self, request: web.Request) -> web.Response:
        data = await request.json()
        limits = self.state.limits
        for key in ("per_second", "pair_interval"):
            if key in data:
                setattr(limits, key, float(data[key]))
        if "pair_burst" in data:
            limits.pair_burst = int(data["pair_burst"])
        for key in ("webhook_url", "statuses", "expired_token"):
            if key in data:
                setattr(self.state, key, data[key])
        return web.json_response({"limits": asdict(limits), "webhook_url": self.state.webhook_url})

    async def _template(self, request: web.Request) -> web.Response:
        data = await request.json()
        key = (str(data["name"]), str(data.get("language", "id")))
        self.state.templates[key] = int(data.get("params", 0))
        return web.json_response({"templates": [list(k) for k in self.state.templates]})


@web.middleware
async def _admin_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """A malformed admin request (missing field, bad JSON) answers 400 with the reason instead
    of aiohttp's bare 500, so scripts and the CLI can say what was wrong."""
    try:
        response: web.StreamResponse = await handler(request)
    except (KeyError, TypeError, ValueError) as exc:
        if not request.path.startswith("/_sandbox/"):
            raise
        reason = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
        return web.json_response({"error": reason}, status=400)
    return response


def _error(code: int, details: str | None = None) -> web.Response:
    status, body = error_body(code, details)
    return web.json_response(body, status=status)
