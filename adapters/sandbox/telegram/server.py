"""The Telegram sandbox server: an aiohttp application speaking the Bot API on 127.0.0.1.

Routes: ``/bot{token}/{method}`` (GET or POST; JSON, URL-encoded or multipart bodies; method names
case-insensitive), the admin API under ``/sandbox/`` (see :mod:`.admin`), and Telegram's 404 body
for everything else. Answers are ``{"ok": true, "result": ...}`` or Telegram's error objects.

Per request the pipeline is: token → bot (404 malformed, 401 unknown) → method (404) → parameters
→ fault rules (slow, drop, 5xx, 429) and artificial latency → flood block → the method handler.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import aiohttp
from aiohttp import web

from . import api_chats, api_messages
from .admin import admin_routes
from .api import METHODS, CallContext
from .community import Community
from .config import FaultKind, FaultRuleConfig, LimitsConfig, SandboxConfig
from .errors import ApiError, not_found, server_error, too_many_requests, unauthorized
from .faults import FaultInjector, FaultRule
from .limits import RateLimiter, ceil_seconds
from .models import BotRecord, MessageRecord, PollRecord
from .params import Params, Upload, merge
from .state import TOKEN_PATTERN, BotRef, SandboxState
from .stats import SandboxStats

JsonDict = dict[str, Any]
_dumps: Callable[[Any], str] = partial(json.dumps, ensure_ascii=False)
#: Telegram accepts uploads up to 50 MB from bots.
_MAX_BODY = 50 * 1024 * 1024

# The handler modules register themselves in METHODS when imported.
_REGISTERED = (api_chats, api_messages)


class TelegramSandbox:
    """A Bot API emulator on a real HTTP port, plus the Python API to script it.

    Use as ``async with TelegramSandbox(config) as sb:`` (or ``await sb.start()`` /
    ``await sb.stop()``); ``sb.url`` is then e.g. ``http://127.0.0.1:41234``. Point
    python-telegram-bot at ``f"{sb.url}/bot"`` and aiogram at
    ``TelegramAPIServer.from_base(sb.url)``. Script residents through :attr:`community`, faults
    through :meth:`add_fault`/:attr:`faults`, read results through :meth:`messages`,
    :meth:`poll` and :attr:`stats`. All of it must be used from the loop running the sandbox.
    """

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.stats = SandboxStats(send_log_limit=self.config.send_log_limit)
        self.state = SandboxState(self.config, self.stats, self._http_session)
        self.community = Community(self.state)
        self.limiter = RateLimiter(self.config.limits)
        self.faults = FaultInjector(self.config.faults)
        self._jitter = random.Random(self.config.faults.seed)
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._url: str | None = None
        for token in self.config.bots:
            self.state.register_bot(token)

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL (``http://host:port``); raises ``RuntimeError`` before :meth:`start`."""
        if self._url is None:
            raise RuntimeError("the sandbox is not running")
        return self._url

    def bot_api_url(self, token: str) -> str:
        """``{url}/bot{token}``: the prefix of every Bot API call for that bot."""
        return f"{self.url}/bot{token}"

    async def start(self) -> str:
        """Bind the port and start serving; returns :attr:`url`."""
        if self._runner is not None:
            return self.url
        app = web.Application(client_max_size=_MAX_BODY, middlewares=[self._admin_auth])
        app.router.add_route("*", "/bot{token}/{method}", self._bot_api)
        app.router.add_routes(admin_routes(self))
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        runner = web.AppRunner(
            app,
            access_log=None,
            shutdown_timeout=self.config.shutdown_timeout_seconds,
        )
        await runner.setup()
        site = web.TCPSite(runner, self.config.host, self.config.port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.state.reopen()
        address = runner.addresses[0]
        self._url = f"http://{_url_host(address[0])}:{address[1]}"
        return self._url

    async def stop(self) -> None:
        """Wake long polls, stop webhook delivery, close the port. Safe to call twice."""
        runner, self._runner = self._runner, None
        self.community.cancel_timers()
        await self.state.close()
        if runner is not None:
            await runner.cleanup()
        if self._http is not None:
            await self._http.close()
            self._http = None
        self._url = None

    async def __aenter__(self) -> TelegramSandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def _http_session(self) -> aiohttp.ClientSession:
        # Created lazily inside the running loop: webhook delivery is the only outgoing traffic.
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession()
        return self._http

    # -- Python API --------------------------------------------------------------------------

    def register_bot(
        self,
        token: str,
        username: str | None = None,
        first_name: str | None = None,
        privacy_mode: bool = True,
    ) -> BotRecord:
        """Register a bot token (``"<id>:<secret>"``); its user id is the token's prefix."""
        return self.state.register_bot(token, username, first_name, privacy_mode)

    def messages(self, chat_id: int, bot: BotRef | None = None) -> list[MessageRecord]:
        """Messages bots sent to ``chat_id`` (optionally only ``bot``'s), oldest first."""
        return self.state.sent_messages(chat_id, bot)

    def poll(self, poll_id: str) -> PollRecord:
        """A poll by id (raises ``KeyError``); its ``votes``/``counts()`` are live."""
        return self.state.polls[poll_id]

    def add_fault(self, kind: FaultKind, **options: Any) -> FaultRule:
        """Install a fault rule; ``options`` are the fields of :class:`FaultRuleConfig`
        (``count``, ``seconds``, ``retry_after``, ``status``, ``delay_ms``, ``methods``,
        ``chat_id``, ``bot_id``)."""
        if "methods" in options:
            options["methods"] = tuple(options["methods"])
        return self.faults.add(FaultRuleConfig(kind=kind, **options))

    def configure_limits(self, limits: LimitsConfig) -> None:
        """Replace the limits (and forget all windows and flood blocks)."""
        self.config.limits = limits
        self.limiter = RateLimiter(limits)

    # -- HTTP handlers -----------------------------------------------------------------------

    async def _bot_api(self, request: web.Request) -> web.StreamResponse:
        self.stats.requests += 1
        bot_id: int | None = None
        try:
            token = request.match_info["token"]
            if not TOKEN_PATTERN.match(token):
                raise not_found()
            bot = self.state.bot_for_token(token)
            if bot is None:
                raise unauthorized()
            bot_id = bot.id
            entry = METHODS.get(request.match_info["method"].lower())
            if entry is None:
                raise not_found()
            name, handler = entry
            method = name.lower()
            self.stats.method_counts[name] += 1
            params = await _read_params(request, self.stats)
            if await self._apply_faults(request, method, bot.id, params):
                return web.Response(status=204)  # never reaches the client: transport is gone
            self._check_flood_block(method, bot.id)
            context = CallContext(
                self.state, self.community, self.limiter, self.stats, bot, method, params
            )
            answer = await handler(context)
            body: JsonDict = {"ok": True, "result": answer.result}
            if answer.description is not None:
                body["description"] = answer.description
            status = 200
        except ApiError as error:
            body, status = error.to_json(), error.status
        self.stats.status_counts[status] += 1
        if status == 429 and bot_id is not None:
            self.stats.rate_limited[bot_id] += 1
        return web.json_response(body, status=status, dumps=_dumps)

    async def _apply_faults(
        self, request: web.Request, method: str, bot_id: int, params: Params
    ) -> bool:
        """Delay and fail the request as the fault rules say; returns True when the
        connection was dropped."""
        chat_ref = params.raw("chat_id")
        chat_id = _as_int(chat_ref)
        decision = self.faults.decide(method, bot_id, chat_id)
        delay_ms = self.config.latency_ms + decision.delay_ms
        if self.config.latency_jitter_ms > 0:
            delay_ms += self._jitter.uniform(0, self.config.latency_jitter_ms)
        if delay_ms > 0:
            await asyncio.sleep(delay_ms / 1000)
        if decision.slow_rules:
            self.stats.faults_injected["slow"] += decision.slow_rules
        if decision.kind is None or decision.kind == "slow":
            return False
        self.stats.faults_injected[decision.kind] += 1
        if decision.kind == "drop":
            transport = request.transport
            if transport is not None:
                transport.abort()
            return True
        if decision.kind == "server_error":
            raise server_error(decision.status)
        raise too_many_requests(decision.retry_after)

    def _check_flood_block(self, method: str, bot_id: int) -> None:
        limits = self.config.limits
        if not limits.enforce or method in limits.flood_exempt_methods:
            return
        remaining = self.limiter.flood_remaining(bot_id, time.monotonic())
        if remaining > 0:
            raise too_many_requests(ceil_seconds(remaining))

    async def _not_found(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(not_found().to_json(), status=404, dumps=_dumps)

    @web.middleware
    async def _admin_auth(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Any],
    ) -> web.StreamResponse:
        token = self.config.admin_token
        authorized = request.headers.get("Authorization", "") == f"Bearer {token}"
        if token and request.path.startswith("/sandbox/") and not authorized:
            return web.json_response({"ok": False, "error": "unauthorized"}, status=401)
        response: web.StreamResponse = await handler(request)
        return response


async def _read_params(request: web.Request, stats: SandboxStats) -> Params:
    """Query string plus the body, whatever its encoding (see :mod:`.params`)."""
    sources: list[dict[str, Any]] = [dict(request.query)]
    encoding = "none"
    if request.can_read_body:
        content_type = request.content_type
        encoding = {
            "application/json": "json",
            "application/x-www-form-urlencoded": "urlencoded",
            "multipart/form-data": "multipart",
        }.get(content_type, content_type)
        if content_type == "application/json":
            try:
                body = await request.json()
            except ValueError as exc:
                raise ApiError(400, "Bad Request: can't parse JSON object") from exc
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: can't parse JSON object")
            sources.append(body)
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            fields: dict[str, Any] = {}
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    value.file.seek(0, 2)
                    fields[name] = Upload(value.filename, value.content_type, value.file.tell())
                else:
                    fields[name] = str(value)
            sources.append(fields)
        else:
            await request.read()  # an unknown encoding carries no parameters Telegram reads
    stats.body_encodings[encoding] += 1
    return merge(*sources)


def _as_int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
