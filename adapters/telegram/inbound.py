"""The inbound side of a Telegram account: long polling, webhook registration, admin checks.

:class:`TelegramInbound` turns updates into core events (:func:`~adapters.telegram.updates.
map_update`), asks ``getChatMember`` whether the author of a command is a group admin (status
``creator`` or ``administrator``), and hands each event to the core's sink.

Long polling (:meth:`TelegramInbound.poll`) follows getUpdates' offset rule: an update counts as
processed once its event went to the sink, and the next call's ``offset`` (last id + 1) confirms
it to Telegram. The offset lives on this object, so when the core restarts a failed loop it
resumes where it stopped; :meth:`confirm` (called when the adapter stops) tells Telegram about
the last processed update, so a restarted process does not get it again. Should a crash still
cause a redelivery, the core deduplicates by ``event_id``. Before polling the loop deletes any
webhook (getUpdates answers 409 while one is set) and does so again after a 409.

Failures of our own Bot API calls (getUpdates, getChatMember) never lose an update: the batch is
fetched again after a backoff (0.5 s doubling to 30 s; a 429 waits its ``retry_after``).

One bad update never stops the others. Updates arrive as raw JSON (the drivers do not let the
client library parse them), and an update that cannot be read
(:func:`~adapters.telegram.updates.unreadable`: not an object, no ``update_id``, a ``message``
that is not an object, ...) or whose event the sink keeps rejecting (``MAX_SINK_ATTEMPTS`` tries)
is skipped: it goes to the sink as a ``skipped`` event (the core keeps it as a dead letter, logs
it once and counts it in ``/metrics`` and ``/healthz``), and the offset moves past it. The same
holds for webhook requests (:meth:`TelegramInbound.receive`), which are then answered 200, so
Telegram does not redeliver them forever.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from broadcaster.adapter import InboundEvent, InboundSink
from broadcaster.errors import DeliveryError, RateLimited, TransientError

from .drivers import Driver
from .updates import (
    ADMINS,
    ALLOWED_UPDATES,
    BotIdentity,
    Unparsed,
    command_needs_admin_check,
    map_update,
    unreadable,
)

log = logging.getLogger(__name__)

#: Seconds one getUpdates call waits for updates (long polling).
POLL_TIMEOUT = 20
MAX_SINK_ATTEMPTS = 5
#: Updates whose failed attempts are remembered at most (webhook requests of distinct updates).
MAX_TRACKED_FAILURES = 10_000
#: Seconds :meth:`TelegramInbound.confirm` may take (it runs while the service stops).
CONFIRM_WITHIN = 3.0
BACKOFF_MIN, BACKOFF_MAX = 0.5, 30.0

DriverSource = Callable[[], Driver]


class TelegramInbound:
    """Updates → events for one bot. ``driver()`` returns the started driver or raises a
    TransientError (the account is not started)."""

    def __init__(self, account: str, driver: DriverSource) -> None:
        self.account = account
        self._driver = driver
        self._bot: BotIdentity | None = None
        #: The next update id to ask for: every update below it went to the sink.
        self.offset: int | None = None
        self._confirmed: int | None = None
        self._failures: dict[int, int] = {}

    async def identity(self) -> BotIdentity:
        """The bot's id and username (``getMe``, asked once)."""
        if self._bot is None:
            bot_id, username = await self._driver().get_me()
            self._bot = BotIdentity(bot_id, username)
        return self._bot

    async def event_for(self, update: Mapping[str, Any]) -> InboundEvent | None:
        """The complete event for ``update`` (commands with ``is_admin``), or ``None``."""
        event = map_update(update, self.account, await self.identity())
        if event is None or not command_needs_admin_check(event):
            return event
        is_admin = await self.is_admin(event.address, event.data.get("user"))
        return replace(event, data={**event.data, "is_admin": is_admin})

    async def is_admin(self, address: str | None, user: object) -> bool:
        """Whether ``user`` is creator or administrator of the group ``address``. Private chats
        and users Telegram does not know in that chat are not admins; transient failures
        raise (the update is retried rather than answered wrongly)."""
        if address is None or not isinstance(user, int) or not address.lstrip("-").isdigit():
            return False
        chat_id = int(address)
        if chat_id > 0:
            return False
        try:
            status = await self._driver().chat_member_status(chat_id, user)
        except (TransientError, RateLimited):
            raise
        except DeliveryError as exc:
            log.info("telegram %s: getChatMember in %s refused: %s", self.account, chat_id, exc)
            return False
        return status in ADMINS

    async def deliver(self, update: Mapping[str, Any], sink: InboundSink) -> None:
        """Map one update and hand its event (if any) to ``sink``; errors propagate."""
        event = await self.event_for(update)
        if event is not None:
            await sink(event)

    # -- long polling -----------------------------------------------------------------------

    async def poll(self, sink: InboundSink) -> None:
        """getUpdates long polling until cancelled (see the module docstring)."""
        delay = BACKOFF_MIN
        delete_webhook = True
        while True:
            try:
                driver = self._driver()
                if delete_webhook:
                    await driver.delete_webhook()
                    delete_webhook = False
                await self.identity()
                updates = await driver.get_updates(self.offset, POLL_TIMEOUT, ALLOWED_UPDATES)
                before = self.offset
                for update in updates:
                    await self._process(update, sink)
                if updates and self.offset == before:
                    # only updates without an id (skipped, but never confirmable): no hot loop
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, BACKOFF_MAX)
                else:
                    delay = BACKOFF_MIN
            except RateLimited as exc:
                log.warning("telegram %s: getUpdates rate limited: %s", self.account, exc)
                await asyncio.sleep(exc.retry_after)
            except DeliveryError as exc:
                if exc.provider_code == "409":
                    delete_webhook = True  # a webhook was set, or another poller runs
                log.warning(
                    "telegram %s: receiving updates failed (%s); again in %.1f s",
                    self.account,
                    exc,
                    delay,
                )
                await asyncio.sleep(delay * random.uniform(0.8, 1.2))
                delay = min(delay * 2, BACKOFF_MAX)

    async def _process(self, update: Any, sink: InboundSink) -> None:
        update_id = _update_id(update)
        if update_id is not None and self.offset is not None and update_id < self.offset:
            return  # already processed (a stale batch)
        await self.receive(update, sink)
        if update_id is not None:
            self.offset = update_id + 1

    async def receive(self, update: Any, sink: InboundSink) -> None:
        """Apply one update as it came (a JSON value, or :class:`Unparsed` bytes). Returns
        once it was applied or skipped as a dead letter (see the module docstring); raises
        DeliveryError when one of our own Bot API calls failed (try the update again later),
        and the sink's error while it has failed fewer than ``MAX_SINK_ATTEMPTS`` times."""
        reason = unreadable(update)
        if reason is not None:
            await self._skip(update, reason, sink)
            return
        update_id: int = update["update_id"]
        try:
            await self.deliver(update, sink)
        except DeliveryError:
            raise  # our own API call failed: fetch or accept the update again later
        except Exception as exc:
            tries = self._failures[update_id] = self._failures.get(update_id, 0) + 1
            if tries < MAX_SINK_ATTEMPTS:
                if len(self._failures) > MAX_TRACKED_FAILURES:
                    self._failures.pop(next(iter(self._failures)))
                raise
            log.error(
                "telegram %s: update %s not applied after %s attempts (%s); skipped",
                self.account,
                update_id,
                tries,
                type(exc).__name__,
            )
            reason = f"not applied after {tries} attempts ({type(exc).__name__})"
            await self._skip(update, reason, sink)
        self._failures.pop(update_id, None)

    async def _skip(self, update: Any, reason: str, sink: InboundSink) -> None:
        """Hand a skipped update to the sink as a ``skipped`` event (the core's dead letter);
        its reference is the update id, or a digest when it has none."""
        bot = await self.identity()
        update_id = _update_id(update)
        ref = f"{bot.id}:{update_id}" if update_id is not None else f"{bot.id}:{_digest(update)}"
        data = {"ref": ref, "reason": reason}
        await sink(InboundEvent("skipped", self.account, ref, None, data))

    async def confirm(self) -> None:
        """Tell Telegram that every update below :attr:`offset` was processed (a getUpdates
        call that waits for nothing, given at most ``CONFIRM_WITHIN`` seconds). Failures are
        only logged: at worst the core sees the updates again and deduplicates them."""
        if self.offset is None or self.offset == self._confirmed:
            return
        try:
            async with asyncio.timeout(CONFIRM_WITHIN):
                await self._driver().get_updates(self.offset, 0, ALLOWED_UPDATES, limit=1)
        except (DeliveryError, TimeoutError) as exc:
            log.warning("telegram %s: could not confirm updates: %r", self.account, exc)
            return
        self._confirmed = self.offset

    # -- webhook ----------------------------------------------------------------------------

    async def register_webhook(self, url: str, secret: str) -> None:
        """``setWebhook(url, secret_token, allowed_updates)``; raises DeliveryError."""
        await self._driver().set_webhook(url, secret, ALLOWED_UPDATES)

    async def keep_webhook(self, url: str, secret: str) -> None:
        """Register the webhook, retrying with backoff until Telegram accepts it."""
        delay = BACKOFF_MIN
        while True:
            try:
                await self.register_webhook(url, secret)
                return
            except RateLimited as exc:
                await asyncio.sleep(exc.retry_after)
            except DeliveryError as exc:
                log.warning("telegram %s: setWebhook failed (%s)", self.account, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, BACKOFF_MAX)


def _update_id(update: object) -> int | None:
    value = update.get("update_id") if isinstance(update, Mapping) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _digest(update: object) -> str:
    """A short stable name for an update without an id (a webhook redelivers the same bytes)."""
    if isinstance(update, Unparsed):
        body = update.body
    else:
        body = json.dumps(update, sort_keys=True, separators=(",", ":"), default=str).encode()
    return "sha256:" + hashlib.sha256(body).hexdigest()[:32]
