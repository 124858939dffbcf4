"""Per-bot update queues: getUpdates long polling and webhook delivery.

Semantics follow the Bot API documentation of ``getUpdates`` and ``setWebhook``:

* ``update_id`` increases by one per update, per bot;
* ``getUpdates(offset=N)`` confirms (forgets) every update with ``update_id < N``; a negative
  offset keeps only the last ``-N`` updates; ``limit`` is 1-100; ``timeout`` > 0 waits until an
  update arrives or the time is up;
* ``allowed_updates`` is remembered until changed; the default is every type except
  ``chat_member``, ``message_reaction`` and ``message_reaction_count``; updates of other types are
  dropped rather than delivered;
* while a webhook is set, getUpdates answers 409; a newer getUpdates ends a pending one with 409
  ("terminated by other getUpdates request");
* a webhook receives each update as a JSON POST with ``X-Telegram-Bot-Api-Secret-Token``, one at
  a time in order; non-2xx answers are retried with exponential backoff, then the update is
  dropped and the error shows in ``getWebhookInfo``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import aiohttp

from .config import WebhookDeliveryConfig
from .errors import conflict_other_poller, conflict_webhook_active
from .stats import SandboxStats

JsonDict = dict[str, Any]

NOT_DEFAULT_UPDATES: frozenset[str] = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)


@dataclass(frozen=True, slots=True)
class Update:
    update_id: int
    kind: str
    payload: Any  # a JSON object; anything for an injected malformed update
    raw: bool = False  # ``payload`` holds the update's fields besides update_id

    def to_json(self) -> JsonDict:
        if self.raw:
            return {"update_id": self.update_id, **self.payload}
        return {"update_id": self.update_id, self.kind: self.payload}


@dataclass(slots=True)
class Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    last_error_date: int | None = None
    last_error_message: str | None = None


class UpdateQueue:
    """Updates waiting for one bot, delivered by long polling or by webhook."""

    def __init__(
        self,
        delivery: WebhookDeliveryConfig,
        session: Callable[[], aiohttp.ClientSession],
        stats: SandboxStats,
        max_pending: int = 100_000,
    ) -> None:
        self._delivery = delivery
        self._max_pending = max_pending
        self._session = session
        self._stats = stats
        self._pending: deque[Update] = deque()
        self._next_id = 1
        self._allowed: frozenset[str] | None = None
        self._signal = asyncio.Event()
        self._poll_generation = 0
        self._closed = False
        self.webhook: Webhook | None = None
        self._delivery_task: asyncio.Task[None] | None = None

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    @property
    def allowed_updates(self) -> list[str]:
        return sorted(self._allowed) if self._allowed is not None else []

    def push(self, kind: str, payload: JsonDict) -> Update:
        """Queue a new update and wake pollers and the webhook deliverer.

        A bot that never fetches its updates keeps at most ``max_pending`` of them (the oldest
        are forgotten), so long demos and benchmarks do not grow memory without bound.
        """
        update = Update(self._next_id, kind, payload)
        self._next_id += 1
        self._pending.append(update)
        while len(self._pending) > self._max_pending:
            self._pending.popleft()
        self._notify()
        return update

    def push_raw(self, fields: JsonDict) -> Update:
        """Queue an update made of ``fields`` as given (plus the next ``update_id``), however
        malformed: how a test plays an update a client library cannot parse. Its type, for
        ``allowed_updates``, is its first field."""
        update = Update(self._next_id, next(iter(fields), "message"), dict(fields), raw=True)
        self._next_id += 1
        self._pending.append(update)
        self._notify()
        return update

    async def get_updates(
        self,
        offset: int | None,
        limit: int | None,
        wait_seconds: float,
        allowed_updates: list[str] | None,
    ) -> list[JsonDict]:
        """Answer one getUpdates call (see the module docstring for the contract)."""
        if self.webhook is not None:
            raise conflict_webhook_active()
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # a pending long poll must now end with 409
        if allowed_updates is not None:
            self._set_allowed(allowed_updates)
        self._confirm(offset)
        count = min(max(limit if limit is not None else 100, 1), 100)
        deadline = asyncio.get_running_loop().time() + max(wait_seconds, 0.0)
        while True:
            signal = self._signal
            batch = self._take(count)
            remaining = deadline - asyncio.get_running_loop().time()
            if batch or remaining <= 0 or self._closed:
                return batch
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(signal.wait(), remaining)
            if self._poll_generation != generation:
                raise conflict_other_poller()
            if self.webhook is not None:
                raise conflict_webhook_active()

    def set_webhook(
        self,
        url: str,
        secret_token: str | None,
        max_connections: int,
        allowed_updates: list[str] | None,
        drop_pending: bool,
    ) -> None:
        if drop_pending:
            self._pending.clear()
        if allowed_updates is not None:
            self._set_allowed(allowed_updates)
        self.webhook = Webhook(url, secret_token, max_connections)
        self._notify()
        if self._delivery_task is None or self._delivery_task.done():
            self._delivery_task = asyncio.get_running_loop().create_task(
                self._deliver_loop(), name="telegram-sandbox-webhook"
            )

    def delete_webhook(self, drop_pending: bool) -> bool:
        """Remove the webhook; returns whether one was set."""
        was_set = self.webhook is not None
        self.webhook = None
        if drop_pending:
            self._pending.clear()
        self._notify()
        return was_set

    def webhook_info(self) -> JsonDict:
        info: JsonDict = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook is not None:
            info.update(
                {
                    "url": self.webhook.url,
                    "max_connections": self.webhook.max_connections,
                    "ip_address": "127.0.0.1",
                }
            )
            if self._allowed is not None:
                info["allowed_updates"] = sorted(self._allowed)
            if self.webhook.last_error_date is not None:
                info["last_error_date"] = self.webhook.last_error_date
                info["last_error_message"] = self.webhook.last_error_message
        return info

    def reopen(self) -> None:
        """Accept long polls again after :meth:`close` (the sandbox was restarted)."""
        self._closed = False
        if self.webhook is not None and (self._delivery_task is None or self._delivery_task.done()):
            self._delivery_task = asyncio.get_running_loop().create_task(
                self._deliver_loop(), name="telegram-sandbox-webhook"
            )

    async def close(self) -> None:
        """Wake every waiter and stop webhook delivery."""
        self._closed = True
        self._notify()
        task, self._delivery_task = self._delivery_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # -- internals -------------------------------------------------------------------------

    def _notify(self) -> None:
        # Replace the event after setting it: waiters hold the old one, so a single set() wakes
        # all of them and later waits start from a clear event.
        self._signal.set()
        self._signal = asyncio.Event()

    def _set_allowed(self, allowed: Iterable[str]) -> None:
        chosen = frozenset(allowed)
        self._allowed = chosen or None

    def _is_allowed(self, kind: str) -> bool:
        if self._allowed is None:
            return kind not in NOT_DEFAULT_UPDATES
        return kind in self._allowed

    def _confirm(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset < 0:
            keep = -offset
            while len(self._pending) > keep:
                self._pending.popleft()
            return
        while self._pending and self._pending[0].update_id < offset:
            self._pending.popleft()

    def _drop_disallowed(self) -> None:
        if any(not self._is_allowed(update.kind) for update in self._pending):
            self._pending = deque(u for u in self._pending if self._is_allowed(u.kind))

    def _take(self, count: int) -> list[JsonDict]:
        self._drop_disallowed()
        return [update.to_json() for _, update in zip(range(count), self._pending, strict=False)]

    async def _deliver_loop(self) -> None:
        failures = 0
        while not self._closed and self.webhook is not None:
            signal = self._signal
            self._drop_disallowed()
            if not self._pending:
                await signal.wait()
                continue
            webhook = self.webhook
            update = self._pending[0]
            error = await self._post(webhook, update)
            if self.webhook is not webhook:
                continue  # replaced or deleted while posting: start over with the new one
            if error is None:
                failures = 0
                self._stats.webhook_deliveries += 1
                self._remove(update)
                continue
            failures += 1
            self._stats.webhook_failures += 1
            webhook.last_error_date = int(time.time())
            webhook.last_error_message = error
            if failures >= self._delivery.max_attempts:
                failures = 0
                self._stats.webhook_dropped += 1
                self._remove(update)
                continue
            await asyncio.sleep(self._delivery.backoff_seconds * 2 ** (failures - 1))

    def _remove(self, update: Update) -> None:
        if self._pending and self._pending[0] is update:
            self._pending.popleft()

    async def _post(self, webhook: Webhook, update: Update) -> str | None:
        """POST one update; returns ``None`` on 2xx, else Telegram-style error text."""
        headers = {"Content-Type": "application/json"}
        if webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook.secret_token
        timeout = aiohttp.ClientTimeout(total=self._delivery.timeout_seconds)
        try:
            async with self._session().post(
                webhook.url,
                data=json.dumps(update.to_json(), ensure_ascii=False).encode(),
                headers=headers,
                timeout=timeout,
            ) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientConnectorError:
            return "Connection refused"
        except aiohttp.ClientError as exc:
            return f"Failed to deliver the update: {type(exc).__name__}"
