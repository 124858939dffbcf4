"""The WhatsApp Cloud API channel (Meta's official API): 1:1 messages to opted-in residents and
to group admins (``audience = "admins"``: the admin is asked to forward the verified
announcement to the group). Thin aiohttp client, no SDK (aiohttp: a request costs about half
the CPU and event-loop time of httpx's, and every millisecond a request is in flight counts in
the number's throughput window).

* ``render``: WhatsApp-formatted text split to 4096 characters, then the poll as reply buttons
  (≤ 3 options of ≤ 20 characters), a list (≤ 10 of ≤ 24) or numbered text ("Balas 1 / 2 / 3")
  (:mod:`adapters.whatsapp.render`).
* ``send``: free-form messages only inside the recipient's 24-hour customer-service window (the
  last time they wrote, kept by the core's store and refreshed by every inbound webhook);
  outside it the announcement goes once as the configured approved ``template`` and the other
  parts are skipped (recorded in the delivery's note); without a template the delivery fails
  with the reason. A 131047 answer (Meta knows the window is closed) takes the same path.
* Every failure maps in :mod:`adapters.whatsapp.errors`.
* ``http_routes``: the webhook (:mod:`adapters.whatsapp.webhook`): GET verification, POST signed
  with ``X-Hub-Signature-256``; texts, button and list replies and statuses become core events.
* ``limits``: 80 messages/s per number by default (``rate``, up to 1000) and one message per
  ``PAIR_INTERVAL`` (6 s) to one recipient: Meta's pair rate (131056 beyond it; the bursts Meta
  lets a number "borrow" are not relied on). The core spaces the parts of one announcement (a
  long text, then its poll) that far apart.
* After a template fallback the delivery is complete (``SendResult.last``): the template carried
  the whole announcement and the poll as text, so the remaining parts are skipped at once.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from typing import TYPE_CHECKING, Any, ClassVar

import aiohttp
from starlette.routing import BaseRoute

from broadcaster.adapter import (
    Adapter,
    AdapterContext,
    ChannelMessage,
    InboundEvent,
    InboundSink,
    Limits,
    RenderContext,
    SendResult,
)
from broadcaster.errors import (
    ConfigError,
    InputError,
    PermanentError,
    RecipientThrottled,
    TransientError,
)
from content.model import Announcement

from .errors import OutsideWindow, delivery_error
from .render import (
    MAX_TEXT,
    render_messages,
    request_body,
    split_text,
    template_body,
)
from .reports import Pairing, SharedPairing
from .sandboxed import AccountSandbox
from .settings import WhatsAppSettings
from .webhook import webhook_routes

if TYPE_CHECKING:
    from adapters.sandbox.whatsapp import CloudSandbox

__all__ = ["PAIR_INTERVAL", "WhatsAppAdapter"]

log = logging.getLogger(__name__)

WINDOW_SECONDS = 24 * 3600
#: a window about to close is treated as closed: the message must arrive inside it
WINDOW_MARGIN = 60.0
#: Meta's pair rate: one message every 6 seconds to one WhatsApp user
PAIR_INTERVAL = 6.0
_MAX_TRACKED = 50_000


class WhatsAppAdapter(Adapter):
    channel: ClassVar[str] = "whatsapp"
    delivery_receipts: ClassVar[bool] = True

    def __init__(self, context: AdapterContext) -> None:
        super().__init__(context)
        self.settings = s = WhatsAppSettings.parse(context.account, context.settings)
        self._sandbox = (
            AccountSandbox(context.account, s.sandbox_port, s.rate, s.webhook_url)
            if s.sandbox
            else None
        )
        self._client: aiohttp.ClientSession | None = None
        self._messages_url = ""
        self._app_secret: str | None = None
        self._verify_token: str | None = None
        self._windows: dict[str, float] = {}
        #: a forwarded message and a bare LAPOR waiting for each other (hoax reports; see
        #: .reports): in the store, for every web process, or in memory without one
        self._pairing = Pairing()
        self._shared_pairing = (
            SharedPairing(context.channel_state, context.account)
            if context.channel_state is not None
            else None
        )
        self._pair_hits: dict[str, int] = {}
        self._prepared: dict[str, bool] = {}  # address → window open, looked up by prepare()

    # -- contract: data ----------------------------------------------------------------------

    @property
    def limits(self) -> Limits:
        return Limits(
            global_per_second=self.settings.rate,
            per_address_interval=PAIR_INTERVAL,
            text_max=MAX_TEXT,
            poll=None,  # any poll fits: buttons, a list, or numbered text
        )

    @classmethod
    def normalize_address(cls, address: str) -> str:
        """A WhatsApp id as Meta writes it: the phone number in international form, digits
        only ("+62 812-3456-7890" and the local "0812…" both become "62812…")."""
        digits = "".join(ch for ch in address if ch.isdigit())
        if address.strip().startswith("0") and not address.strip().startswith("00"):
            digits = "62" + digits[1:]
        digits = digits.removeprefix("00")
        stray = set(address) - set("0123456789+-() .")
        if stray or not 8 <= len(digits) <= 15:
            raise InputError(
                f"whatsapp address {address!r}: use the resident's phone number in international "
                "form, e.g. +6281234567890"
            )
        return digits

    def render(
        self, announcement: Announcement, language: str, ctx: RenderContext
    ) -> list[ChannelMessage]:
        return render_messages(announcement, language, ctx, audience=self.settings.audience)

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        if self._client is not None:
            return
        s = self.settings
        if self._sandbox is not None:
            server = await self._sandbox.start()
            base_url, phone = server.url, server.state.phone_number_id
            token, self._app_secret = server.state.access_token, server.state.app_secret
            self._verify_token = secrets.token_urlsafe(16)
            log.info("whatsapp account %s: Cloud API sandbox at %s", self.account, base_url)
        else:
            base_url, phone = s.base_url, str(s.phone_number_id)
            token, self._app_secret = s.secret("token_env"), s.secret("app_secret_env")
            self._verify_token = s.secret("verify_token_env") if s.verify_token_env else None
        self._messages_url = f"{base_url}/{s.api_version}/{phone}/messages"
        self._client = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=s.request_timeout),
            connector=aiohttp.TCPConnector(limit=s.pool_size, limit_per_host=s.pool_size),
            headers={"Authorization": f"Bearer {token}"},
            json_serialize=json.dumps,
        )

    async def stop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()
        if self._sandbox is not None:
            await self._sandbox.stop()

    # -- contract: sending -------------------------------------------------------------------

    async def prepare(self, message: ChannelMessage, address: str) -> None:
        """Look the recipient's 24-hour window up (a store read) before the rate limiter
        grants the send: the read then does not count in the number's throughput window."""
        if len(self._prepared) > _MAX_TRACKED:
            self._prepared.clear()
        self._prepared[address] = await self._window_open(address)

    async def send(self, message: ChannelMessage, address: str) -> SendResult:
        """Send one rendered message (free-form inside the 24-hour window, else the
        template); raises the DeliveryError :mod:`adapters.whatsapp.errors` maps to."""
        if message.kind not in ("text", "buttons", "list"):
            raise PermanentError(f"whatsapp cannot send a {message.kind!r} message")
        window_open = self._prepared.pop(address, None)
        if window_open is None:
            window_open = await self._window_open(address)
        if not window_open:
            return await self._outside_window(message, address, "no message from them in 24 h")
        try:
            message_id = await self._post(request_body(address, message.kind, message.payload))
        except OutsideWindow as exc:
            self._windows.pop(address, None)  # Meta knows better than our record
            return await self._outside_window(message, address, str(exc))
        self._pair_hits.pop(address, None)
        is_poll = message.kind != "text" or bool(message.payload.get("poll"))
        return SendResult(message_id, message_id if is_poll else None)

    async def _outside_window(self, message: ChannelMessage, address: str, why: str) -> SendResult:
        s = self.settings
        if s.template is None:
            raise PermanentError(
                f"outside the 24-hour window ({why}) and no template configured "
                f"(accounts.{self.account}.template)"
            )
        fields = message.payload.get("template")
        if not isinstance(fields, dict):
            # a later part (the first went free-form before the window closed): the template
            # cannot carry the rest, and sending it again would repeat the announcement
            return SendResult(
                "", note="outside the 24-hour window: later parts not sent", last=True
            )
        body = template_body(address, s.template, s.template_language, s.template_params, fields)
        message_id = await self._post(body)
        return SendResult(
            message_id,
            message_id if fields.get("has_poll") else None,
            note=f"outside the 24-hour window: sent as template {s.template!r}; "
            "later parts not sent",
            last=True,
        )

    async def _post(self, body: dict[str, Any]) -> str:
        client = self._client
        if client is None:
            raise TransientError(f"whatsapp account {self.account!r} is not started")
        to = str(body["to"])
        try:
            async with client.post(self._messages_url, json=body) as answer:
                status, raw = answer.status, await answer.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise delivery_error(None, f"no answer: {type(exc).__name__}: {exc}") from None
        try:
            data: Any = json.loads(raw)
        except ValueError:
            data = raw.decode("utf-8", "replace")[:300]
        if status == 200 and isinstance(data, dict) and data.get("messages"):
            return str(data["messages"][0]["id"])
        hits = self._pair_hits.get(to, 0)
        error = delivery_error(status, data, pair_hits=hits, spam_pause=self.settings.spam_pause)
        if isinstance(error, RecipientThrottled):
            if len(self._pair_hits) > _MAX_TRACKED:
                self._pair_hits.clear()
            self._pair_hits[to] = hits + 1
        raise error

    async def notify(self, address: str, text: str) -> None:
        """A service message; WhatsApp allows it only inside the 24-hour window."""
        try:
            to = self.normalize_address(address)
        except InputError as exc:
            raise PermanentError(str(exc)) from None
        if not await self._window_open(to):
            raise PermanentError("outside the 24-hour window: WhatsApp allows only templates")
        for part in split_text(text):
            await self._post(request_body(to, "text", {"body": part}))

    # -- 24-hour window ----------------------------------------------------------------------

    async def _window_open(self, address: str) -> bool:
        now = time.time()
        last = self._windows.get(address)
        state = self.context.channel_state
        if state is not None and (last is None or now - last >= WINDOW_SECONDS - WINDOW_MARGIN):
            stored = await state.last_inbound(self.account, address)
            if stored is not None and (last is None or stored > last):
                last = self._remember(address, stored)
        return last is not None and now - last < WINDOW_SECONDS - WINDOW_MARGIN

    def _remember(self, address: str, at: float) -> float:
        if len(self._windows) > _MAX_TRACKED:
            self._windows.clear()
        self._windows[address] = max(at, self._windows.get(address, 0.0))
        return self._windows[address]

    # -- inbound -----------------------------------------------------------------------------

    def http_routes(self, sink: InboundSink) -> list[BaseRoute]:
        async def handle(events: list[InboundEvent]) -> None:
            state = self.context.channel_state
            for raw in events:
                shared = self._shared_pairing
                event = await shared.apply(raw) if shared else self._pairing.apply(raw)
                if event.kind in ("reply", "vote", "opened", "command", "report") and event.address:
                    at = event.at.timestamp() if event.at is not None else time.time()
                    self._remember(event.address, at)
                    if state is not None:
                        await state.touch_window(self.account, event.address, at)
                if event.kind != "opened":
                    await sink(event)

        return webhook_routes(
            self.account, lambda: self._app_secret, lambda: self._verify_token, handle
        )

    # -- sandbox -----------------------------------------------------------------------------

    @property
    def sandbox(self) -> CloudSandbox:
        """The running emulator of a ``sandbox = true`` account (ConfigError otherwise)."""
        if self._sandbox is None:
            raise ConfigError(f"account {self.account!r} is not a sandbox account")
        return self._sandbox.server

    @property
    def verify_token(self) -> str | None:
        """The token Meta's GET verification must present (sandbox: made up at start)."""
        return self._verify_token

    async def sandbox_group(self, title: str) -> str:
        """A simulated opted-in resident on the emulator (they write first, which opens their
        24-hour window once the webhook arrives); returns their WhatsApp id."""
        if self._sandbox is None:
            return await super().sandbox_group(title)
        server = self._sandbox.server
        resident = server.state.new_resident(title[:40])
        # a greeting, not a command: the officer maps them (a DAFTAR would start self-service)
        server.inbound(resident.wa_id, text="Halo")
        return resident.wa_id
