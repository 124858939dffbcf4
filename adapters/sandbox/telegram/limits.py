"""Telegram's flood control as a strict model: sliding windows and a flood block per bot.

Real limits are undocumented and change; the sandbox judges clients against the strict reading
of the Bots FAQ (see :class:`~adapters.sandbox.telegram.config.LimitsConfig`): a send is refused
when it would be the (N+1)-th in any window of the configured length. Exceeding the per-bot
window additionally blocks the bot for ``flood_block_seconds``, as Telegram's flood wait does.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from .config import LimitsConfig


class SlidingWindow:
    """At most ``capacity`` events in any span of ``window`` seconds."""

    __slots__ = ("_times", "capacity", "window")

    def __init__(self, capacity: int, window: float) -> None:
        self.capacity = capacity
        self.window = window
        self._times: deque[float] = deque()

    def _prune(self, now: float) -> None:
        horizon = now - self.window
        while self._times and self._times[0] <= horizon:
            self._times.popleft()

    def count(self, now: float) -> int:
        self._prune(now)
        return len(self._times)

    def is_full(self, now: float, capacity: int | None = None) -> bool:
        return self.count(now) >= (self.capacity if capacity is None else capacity)

    def wait_time(self, now: float) -> float:
        """Seconds until the oldest event leaves the window (0 when there is room)."""
        self._prune(now)
        if len(self._times) < self.capacity:
            return 0.0
        if not self._times:  # a zero capacity never frees up; answer one full window
            return self.window
        return max(0.0, self._times[0] + self.window - now)

    def record(self, now: float) -> None:
        self._times.append(now)

    def is_idle(self, now: float) -> bool:
        return self.count(now) == 0


@dataclass(frozen=True, slots=True)
class Throttle:
    """A refused send: whole seconds to wait and which limit refused it."""

    retry_after: int
    reason: str  # "flood_block", "global", "group" or "chat"


def rate_to_window(rate: float, base_window: float) -> tuple[int, float]:
    """Express ``rate`` events/second as (capacity, window): e.g. 30/s → (30, 1 s) and
    0.5/s → (1, 2 s), so fractional rates still allow whole events."""
    per_window = rate * base_window
    if per_window >= 1:
        return int(per_window + 1e-9), base_window
    return 1, 1.0 / rate if rate > 0 else math.inf


def ceil_seconds(seconds: float) -> int:
    """``retry_after`` as Telegram gives it: whole seconds, rounded up, at least 1."""
    return max(1, math.ceil(seconds - 1e-9))


class RateLimiter:
    """Sliding-window limits and flood blocks for every bot, group and chat."""

    def __init__(self, config: LimitsConfig) -> None:
        self.config = config
        self._global_capacity, self._global_window = rate_to_window(
            config.global_per_second, config.global_window_seconds
        )
        self._paid_capacity, _ = rate_to_window(
            config.paid_broadcast_per_second, self._global_window
        )
        self._chat_capacity, self._chat_window = rate_to_window(config.per_chat_per_second, 1.0)
        self._bots: dict[int, SlidingWindow] = {}
        self._groups: dict[tuple[int, int], SlidingWindow] = {}
        self._chats: dict[tuple[int, int], SlidingWindow] = {}
        self._blocked_until: dict[int, float] = {}

    def flood_remaining(self, bot_id: int, now: float) -> float:
        """Seconds left of the bot's flood block (0 when not blocked)."""
        until = self._blocked_until.get(bot_id)
        if until is None:
            return 0.0
        if until <= now:
            del self._blocked_until[bot_id]
            return 0.0
        return until - now

    def check_send(
        self, bot_id: int, chat_id: int, is_group: bool, paid: bool, now: float
    ) -> Throttle | None:
        """Whether a send may go now; a global overflow starts a flood block.

        Does not record the send: call :meth:`record_send` once the request succeeds.
        """
        if not self.config.enforce:
            return None
        remaining = self.flood_remaining(bot_id, now)
        if remaining > 0:
            return Throttle(ceil_seconds(remaining), "flood_block")
        chat = self._chats.get((bot_id, chat_id))
        if chat is not None and chat.is_full(now):
            return Throttle(ceil_seconds(chat.wait_time(now)), "chat")
        if is_group:
            group = self._groups.get((bot_id, chat_id))
            if group is not None and group.is_full(now):
                return Throttle(ceil_seconds(group.wait_time(now)), "group")
        window = self._bots.get(bot_id)
        capacity = self._paid_capacity if paid else self._global_capacity
        if window is not None and window.is_full(now, capacity):
            block = self.config.flood_block_seconds
            self._blocked_until[bot_id] = now + block
            return Throttle(ceil_seconds(block), "global")
        return None

    def over_free_rate(self, bot_id: int, now: float) -> bool:
        """Whether the bot's window already holds the free rate (a paid send costs Stars)."""
        window = self._bots.get(bot_id)
        return window is not None and window.is_full(now, self._global_capacity)

    def record_send(self, bot_id: int, chat_id: int, is_group: bool, now: float) -> None:
        """Count an accepted send in every window it belongs to."""
        window = self._bots.get(bot_id)
        if window is None:
            # The per-bot window must hold paid bursts too, so it is sized for the larger limit.
            capacity = max(self._global_capacity, self._paid_capacity)
            window = self._bots[bot_id] = SlidingWindow(capacity, self._global_window)
        window.record(now)
        key = (bot_id, chat_id)
        chat = self._chats.get(key)
        if chat is None:
            chat = self._chats[key] = SlidingWindow(self._chat_capacity, self._chat_window)
        chat.record(now)
        if is_group:
            group = self._groups.get(key)
            if group is None:
                group = self._groups[key] = SlidingWindow(
                    self.config.per_group_per_minute, self.config.group_window_seconds
                )
            group.record(now)
        if len(self._chats) > 4096:
            self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        # Long runs touch many chats; windows with nothing in them carry no state worth keeping.
        for table in (self._chats, self._groups):
            for key in [key for key, window in table.items() if window.is_idle(now)]:
                del table[key]
