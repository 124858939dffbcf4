"""Closing polls at the announcement's ``poll.closes_at``.

Telegram closes a poll by itself when ``sendPoll`` carries ``close_date``, which the Bot API
accepts from 5 seconds to 2,628,000 seconds (about 30 days) ahead (Bot API 9.6 raised the old
600-second maximum; python-telegram-bot 22.8's ``PollLimit.MAX_OPEN_PERIOD`` and aiogram 3.31
agree). The adapter passes it whenever the closing time falls in that window
(:func:`close_date_for`), so such polls close on time even if this service is down.

Polls whose closing time is outside the window (too near, already past, or further than 30
days) are closed with ``stopPoll`` by a :class:`PollCloser`: a small in-memory schedule of
(chat, message, closes_at) and one task that stops due polls one at a time, paced, following
429 (wait ``retry_after``) and migrated groups (retry at the new chat id). The schedule is not
persisted: a poll sent more than 30 days before its closing time and then followed by a restart
stays open until someone stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from broadcaster.errors import (
    AddressMoved,
    DeliveryError,
    PermanentError,
    RateLimited,
    TransientError,
)

from .drivers import ChatId, Sent

log = logging.getLogger(__name__)

#: sendPoll ``close_date``: 5 s to 2,628,000 s ahead (Bot API 9.6+).
MIN_AHEAD, MAX_AHEAD = 5, 2_628_000
#: Kept clear of both ends, so a request's time in flight never pushes it out of the window.
MARGIN = 5

StopPoll = Callable[[ChatId, int], Awaitable[None]]
#: ``sendPoll`` with everything but ``close_date`` bound.
SendPoll = Callable[..., Awaitable[Sent]]


def close_date_for(closes_at: float | None, now: float) -> int | None:
    """The ``close_date`` to send with a poll closing at ``closes_at`` (Unix time), or ``None``
    when Telegram would refuse it (then :class:`PollCloser` stops the poll instead)."""
    if closes_at is None:
        return None
    ahead = closes_at - now
    if MIN_AHEAD + MARGIN <= ahead <= MAX_AHEAD - MARGIN:
        return int(closes_at)
    return None


@dataclass(order=True)
class _Due:
    at: float
    chat_id: ChatId = field(compare=False)
    message_id: int = field(compare=False)
    attempts: int = field(default=0, compare=False)


class PollCloser:
    """Stops polls when they are due. ``add`` any time; ``start``/``stop`` the task.

    ``stop_poll(chat_id, message_id)`` raises the adapter's DeliveryErrors. A poll Telegram
    already closed, deleted or cannot reach (400/403) is dropped from the schedule; transient
    failures are retried up to ``max_attempts`` times with growing waits.
    """

    def __init__(
        self, account: str, stop_poll: StopPoll, pace: float = 0.1, max_attempts: int = 5
    ) -> None:
        self.account = account
        self._stop_poll = stop_poll
        self._pace = pace
        self._max_attempts = max_attempts
        self._heap: list[_Due] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def scheduled(self) -> list[tuple[ChatId, int, float]]:
        """(chat id, message id, due time) of every poll still to stop, soonest first."""
        return [(d.chat_id, d.message_id, d.at) for d in sorted(self._heap)]

    async def send(self, send_poll: SendPoll, chat_id: ChatId, closes_at: object) -> Sent:
        """Send a poll that closes at ``closes_at`` (Unix time, or ``None`` for never): with
        ``close_date`` when Telegram takes it, else scheduled here for stopPoll. A Bot API
        server older than 9.6 refuses a ``close_date`` beyond 600 s; the poll is then resent
        without it and scheduled."""
        closes = float(closes_at) if isinstance(closes_at, int | float) else None
        close_date = close_date_for(closes, time.time())
        try:
            sent = await send_poll(close_date=close_date)
        except PermanentError as exc:
            if close_date is None or "close date" not in str(exc).lower():
                raise
            sent, close_date = await send_poll(close_date=None), None
        if closes is not None and close_date is None:
            self.add(chat_id, sent.message_id, closes)
        return sent

    def add(self, chat_id: ChatId, message_id: int, closes_at: float) -> None:
        heapq.heappush(self._heap, _Due(closes_at, chat_id, message_id))
        self._wake.set()

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"telegram-polls:{self.account}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            now = time.time()
            if self._heap and self._heap[0].at <= now:
                await self._close(heapq.heappop(self._heap))
                await asyncio.sleep(self._pace)
                continue
            timeout = self._heap[0].at - now if self._heap else None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def _close(self, due: _Due) -> None:
        try:
            await self._stop_poll(due.chat_id, due.message_id)
        except RateLimited as exc:
            self._retry(due, exc.retry_after, count=False)
        except AddressMoved as exc:
            self._retry(_Due(due.at, int(exc.new_address), due.message_id, due.attempts), 0.0)
        except TransientError as exc:
            log.info("poll %s in %s not stopped yet: %s", due.message_id, due.chat_id, exc)
            self._retry(due, 5.0 * 2**due.attempts)
        except DeliveryError as exc:  # already closed, deleted, bot removed: nothing to do
            log.info("poll %s in %s not stopped: %s", due.message_id, due.chat_id, exc)

    def _retry(self, due: _Due, wait: float, count: bool = True) -> None:
        attempts = due.attempts + 1 if count else due.attempts
        if attempts >= self._max_attempts:
            log.warning("poll %s in %s not stopped: gave up", due.message_id, due.chat_id)
            return
        heapq.heappush(self._heap, _Due(time.time() + wait, due.chat_id, due.message_id, attempts))
