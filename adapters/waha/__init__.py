"""WhatsApp community groups through a self-hosted WAHA gateway (unofficial: WhatsApp may ban
the number; see docs/whatsapp.md).

* ``send``: ``POST /api/sendText`` to a group (``…@g.us``), ``POST /api/sendPoll`` for a native
  poll (2-12 options; anything else goes as numbered text "Balas 1 / 2 / 3").
* Anti-ban pacing by default: the core's limiter keeps ``min_interval`` seconds between
  messages and ``group_interval`` per group; :mod:`adapters.waha.pacing` adds random jitter,
  quiet hours and a daily cap (counted in the store, per number and local day). Errors
  463/475, a refused key or a session not ``WORKING`` pause the number with an alert
  (:mod:`adapters.waha.errors`, the one mapping).
* ``discover_groups``: the groups the number is in (``broadcaster groups discover``).
* ``http_routes``: the HMAC-checked webhook (:mod:`adapters.waha.webhook`); group commands and
  join/leave events for self-service (:mod:`adapters.waha.commands`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar

import httpx
from starlette.routing import BaseRoute

from adapters.textual import poll_text
from adapters.whatsapp.render import render_messages, split_text
from broadcaster.adapter import (
    Adapter,
    AdapterContext,
    ChannelMessage,
    DiscoveredGroup,
    InboundEvent,
    InboundSink,
    Limits,
    Pacing,
    RenderContext,
    SendResult,
)
from broadcaster.errors import (
    AccountBlocked,
    ConfigError,
    InputError,
    PermanentError,
    TransientError,
)
from content.model import Announcement

from .commands import as_command
from .errors import delivery_error
from .pacing import Pacer
from .reports import with_media_hash
from .settings import WahaSettings
from .webhook import webhook_routes

if TYPE_CHECKING:
    from adapters.sandbox.waha import WahaSandbox

__all__ = ["WahaAdapter"]

log = logging.getLogger(__name__)

MAX_TEXT = 4096
POLL_OPTIONS = (2, 12)
POLL_OPTION_MAX = 100
SAMPLE_GROUPS = ("Warga RT 01 RW 03 Tajur (contoh)", "PKK Kelurahan Kamanisan (contoh)")


class WahaAdapter(Adapter):
    channel: ClassVar[str] = "whatsapp"
    delivery_receipts: ClassVar[bool] = True

    def __init__(self, context: AdapterContext) -> None:
        super().__init__(context)
        self.settings = WahaSettings.parse(context.account, context.settings)
        self.pacer = Pacer(self.settings, context.channel_state)
        self._client: httpx.AsyncClient | None = None
        self._server: WahaSandbox | None = None
        self._hmac_key: str | None = None
        self._session_status = "WORKING"

    @property
    def limits(self) -> Limits:
        s = self.settings
        return Limits(
            global_per_second=1.0 / s.min_interval,
            per_address_interval=s.group_interval,
            text_max=MAX_TEXT,
            poll=None,
        )

    @property
    def pacing(self) -> Pacing:
        """Jitter, daily cap and quiet hours of the number (see :mod:`.pacing`)."""
        s = self.settings
        return Pacing(
            jitter=s.jitter,
            daily_cap=s.daily_cap,
            quiet_hours=s.quiet_hours,
            timezone=s.timezone,
        )

    @classmethod
    def normalize_address(cls, address: str) -> str:
        """A WhatsApp group id as WAHA writes it: digits (and one dash, for old groups)
        followed by ``@g.us``."""
        value = address.strip().lower()
        head = value.removesuffix("@g.us")
        if not value.endswith("@g.us") or not head.replace("-", "").isdigit():
            raise InputError(
                f"waha address {address!r}: use the group id, e.g. 120363012345678901@g.us "
                "(`broadcaster groups discover` lists them)"
            )
        return value

    def render(
        self, announcement: Announcement, language: str, ctx: RenderContext
    ) -> list[ChannelMessage]:
        text_parts = [
            m
            for m in render_messages(announcement, language, ctx, audience="residents")
            if m.kind == "text" and not m.payload.get("poll")
        ]
        messages = [ChannelMessage("text", {"text": m.payload["body"]}) for m in text_parts]
        poll = announcement.poll
        if poll is None:
            return messages
        question, options = poll.text_for(language)
        low, high = POLL_OPTIONS
        if low <= len(options) <= high and all(len(o) <= POLL_OPTION_MAX for o in options):
            payload = {
                "name": question.strip(),
                "options": [o.strip() for o in options],
                "multipleAnswers": poll.multiple,
            }
            messages.append(ChannelMessage("poll", payload))
        else:
            messages += [
                ChannelMessage("text", {"text": part, "poll": True})
                for part in split_text(poll_text(announcement, language) or "")
            ]
        return messages

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        if self._client is not None:
            return
        s = self.settings
        headers: dict[str, str] = {}
        api_key: str | None
        if s.sandbox:
            import secrets

            from adapters.sandbox.waha import WahaSandbox

            api_key, self._hmac_key = secrets.token_urlsafe(16), secrets.token_urlsafe(24)
            server = WahaSandbox(
                port=s.sandbox_port, api_key=api_key, hmac_key=self._hmac_key, session=s.session
            )
            server.webhook_url = s.webhook_url
            # the number is already in a few community groups, as a real one would be
            for title in SAMPLE_GROUPS:
                server.create_group(title, members=12)
            base_url = await server.start()
            self._server = server
            log.info("waha account %s: gateway sandbox at %s", self.account, base_url)
        else:
            base_url, api_key = s.base_url, s.secret("api_key_env")
            self._hmac_key = s.secret("hmac_key_env")
        if api_key:
            headers["X-Api-Key"] = api_key
        self._client = httpx.AsyncClient(
            base_url=base_url, timeout=s.request_timeout, headers=headers
        )

    async def stop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()
        server, self._server = self._server, None
        if server is not None:
            await server.stop()

    # -- sending -----------------------------------------------------------------------------

    async def send(self, message: ChannelMessage, address: str) -> SendResult:
        if message.kind not in ("text", "poll"):
            raise PermanentError(f"waha cannot send a {message.kind!r} message")
        await self._check_session()
        await self.pacer.before_send()
        p = message.payload
        if message.kind == "text":
            body: dict[str, Any] = {"chatId": address, "text": p["text"], "linkPreview": False}
            answer = await self._call("POST", "/api/sendText", body)
        else:
            poll = {
                "name": p["name"],
                "options": list(p["options"]),
                "multipleAnswers": bool(p.get("multipleAnswers")),
            }
            answer = await self._call("POST", "/api/sendPoll", {"chatId": address, "poll": poll})
        message_id = _message_id(answer)
        is_poll = message.kind == "poll" or bool(p.get("poll"))
        return SendResult(message_id, message_id if is_poll else None)

    async def _check_session(self) -> None:
        if self._session_status == "WORKING":
            return
        # the session went bad (webhook): ask WAHA whether it is back before sending
        info = await self._call("GET", f"/api/sessions/{self.settings.session}")
        status = str(info.get("status", "")) if isinstance(info, dict) else ""
        self._session_status = status
        if status != "WORKING":
            raise AccountBlocked(
                f"WAHA session {self.settings.session!r} is {status or 'unknown'}, not WORKING",
                pause=self.settings.session_pause,
                provider_code="session",
            )

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        client = self._client
        if client is None:
            raise TransientError(f"waha account {self.account!r} is not started")
        if body is not None:
            body = {"session": self.settings.session, **body}
        try:
            answer = await client.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise delivery_error(
                None,
                f"no answer from WAHA: {type(exc).__name__}: {exc}",
                ban_pause=0,
                session_pause=0,
            ) from None
        try:
            data = answer.json()
        except ValueError:
            data = answer.text[:300]
        if 200 <= answer.status_code < 300:
            return data
        s = self.settings
        raise delivery_error(
            answer.status_code, data, ban_pause=s.ban_pause, session_pause=s.session_pause
        )

    async def _fetch(self, path: str, limit: int) -> bytes | None:
        """A file from the gateway (a reported message's media), or None when it cannot be
        had or is larger than ``limit`` bytes."""
        client = self._client
        if client is None:
            return None
        try:
            async with client.stream("GET", path) as answer:
                if answer.status_code != 200:
                    return None
                content = bytearray()
                async for chunk in answer.aiter_bytes():
                    content += chunk
                    if len(content) > limit:
                        return None
                return bytes(content)
        except httpx.HTTPError as exc:
            log.info("waha account %s: media not fetched: %s", self.account, exc)
            return None

    async def notify(self, address: str, text: str) -> None:
        try:
            chat = self.normalize_address(address)
        except InputError as exc:
            raise PermanentError(str(exc)) from None
        for part in split_text(text):
            await self.send(ChannelMessage("text", {"text": part}), chat)

    async def discover_groups(self) -> list[DiscoveredGroup]:
        groups = await self._call("GET", f"/api/{self.settings.session}/groups")
        found = []
        for group in groups if isinstance(groups, list) else []:
            gid = group.get("id")
            if isinstance(gid, dict):
                gid = gid.get("_serialized")
            if not isinstance(gid, str) or not gid.endswith("@g.us"):
                continue
            title = str(group.get("subject") or group.get("name") or "")
            members = group.get("participants")
            found.append(
                DiscoveredGroup(gid, title, len(members) if isinstance(members, list) else None)
            )
        return found

    # -- inbound -----------------------------------------------------------------------------

    def http_routes(self, sink: InboundSink) -> list[BaseRoute]:
        async def handle(events: list[InboundEvent]) -> None:
            for event in events:
                event = await with_media_hash(event, self._fetch)
                await sink(await as_command(event, self.settings.session, self._call))

        return webhook_routes(self.account, lambda: self._hmac_key, handle, self._on_session)

    def _on_session(self, status: str) -> None:
        if status != self._session_status:
            level = logging.INFO if status == "WORKING" else logging.ERROR
            log.log(
                level,
                "%swaha account %s: session %s is %s",
                "" if status == "WORKING" else "ALERT ",
                self.account,
                self.settings.session,
                status,
            )
        self._session_status = status

    # -- sandbox -----------------------------------------------------------------------------

    @property
    def sandbox(self) -> WahaSandbox:
        if self._server is None:
            raise ConfigError(f"account {self.account!r} is not a sandbox account")
        return self._server

    async def sandbox_group(self, title: str) -> str:
        if self._server is None:
            return await super().sandbox_group(title)
        return self._server.create_group(title).id

    async def sandbox_self_subscribe(self, title: str, command: str) -> str:
        if self._server is None:
            return await super().sandbox_self_subscribe(title, command)
        from adapters.sandbox.waha.groups import add_number

        group = self._server.create_group(title, members=8, joined=False)
        add_number(self._server, group)  # group.v2.join: the service greets the group
        # its creator (the superadmin, as the gateway lists the participants) subscribes it
        self._server.member_message(group.id, group.members[1], command)
        return group.id


def _message_id(answer: Any) -> str:
    if isinstance(answer, dict):
        mid = answer.get("id")
        if isinstance(mid, dict):
            mid = mid.get("_serialized")
        if isinstance(mid, str) and mid:
            return mid
    raise TransientError(f"WAHA answered without a message id: {str(answer)[:200]}")
