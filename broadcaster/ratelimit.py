"""Per-account rate limiter built from an adapter's declared :class:`~broadcaster.adapter.Limits`.

Three constraints:

* global: at most ``global_per_second`` sends in any sliding one-second window;
* per address: at least ``per_address_interval`` seconds between two sends to one address;
* per address: at most ``per_address_per_minute`` sends to one address in any sliding minute.

A provider's retry-after pauses the whole account (:meth:`RateLimiter.pause`).

The provider counts *arrival* times, which we never see: a request arrives somewhere between
the moment we grant it and the moment its answer is back (:meth:`RateLimiter.done`). So every
window is judged on that worst case — a send occupies its window from its grant until one window
length after it *completed* (in-flight sends count as not completed). Then no network jitter,
however large, can make the provider see more than the limit, with no safety margin; the price is
each send's round trip added to its window, a few milliseconds on a good link. Grants are also
spread evenly across the second instead of bursting, which keeps round trips short and alike.
``margin`` (seconds, default 0) widens every window further for providers that count in ways
this model does not capture.

Waiters for the global window queue behind one lock (FIFO), so a freed slot wakes one waiter
instead of all of them; a waiter whose *address* is not ready waits outside the lock, so one busy
chat never holds up the others.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable

from .adapter import Limits

Clock = Callable[[], float]
# how much of one spread interval a late grant may make up: enough to absorb event-loop
# lateness, too little to let grants bunch (bunched requests arrive with uneven delays)
CATCH_UP_INTERVALS = 0.5
# while the global window is full of sends in flight, how often to look again (seconds); a
# completing send does not wake waiters, as completions are far more frequent than waits
IN_FLIGHT_POLL = 0.002
# a grant still "in flight" after this long lost its done() call; it stops counting
STALE_IN_FLIGHT = 300.0
Sleep = Callable[[float], Awaitable[None]]


class RateLimiter:
    def __init__(
        self,
        limits: Limits,
        *,
        margin: float = 0.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.limits = limits
        self.margin = margin
        self._clock = clock
        self._sleep = sleep
        # the global window: grants still in flight (their grant times, oldest first) and the
        # completion times of finished sends (non-decreasing: done() stamps the clock)
        self._in_flight: deque[float] = deque()
        self._completed: deque[float] = deque()
        self._per_address: dict[str, deque[float]] = {}
        self._paused_until = 0.0
        self._tat = -math.inf  # theoretical time of the next evenly spread grant (GCRA)
        self._lock = asyncio.Lock()
        self._grants = 0
        self._per_address_keep = self._address_horizon()
        self.unlimited = (
            limits.global_per_second is None
            and limits.per_address_interval is None
            and limits.per_address_per_minute is None
        )

    def _address_horizon(self) -> float:
        horizon = 0.0
        if self.limits.per_address_interval is not None:
            horizon = self.limits.per_address_interval + self.margin
        if self.limits.per_address_per_minute is not None:
            horizon = max(horizon, 60.0 + self.margin)
        return horizon

    @property
    def free(self) -> bool:
        """True when no limit applies and no pause was ever requested: callers may skip
        :meth:`acquire` and :meth:`done` altogether."""
        return self.unlimited and self._paused_until == 0.0

    @property
    def paused_for(self) -> float:
        """Seconds left of a provider-requested pause (0 when not paused)."""
        return max(0.0, self._paused_until - self._clock())

    def pause(self, seconds: float) -> None:
        """Hold every grant for ``seconds`` (a provider's retry-after). Pauses never shorten."""
        self._paused_until = max(self._paused_until, self._clock() + max(0.0, seconds))

    def _address_wait(self, address: str, now: float) -> float:
        times = self._per_address.get(address)
        if not times:
            return 0.0
        wait = 0.0
        interval = self.limits.per_address_interval
        if interval is not None:
            wait = max(wait, times[-1] + interval + self.margin - now)
        cap = self.limits.per_address_per_minute
        if cap is not None and len(times) >= cap:
            wait = max(wait, times[-cap] + 60.0 + self.margin - now)
        return wait

    def _global_wait(self, now: float) -> float:
        rate = self.limits.global_per_second
        if rate is None:
            return 0.0
        # below one per second the window stretches so that one grant per 1/rate s remains
        span = 1.0 if rate >= 1 else 1.0 / rate
        capacity = max(1, math.floor(rate))
        horizon = now - span - self.margin
        completed = self._completed
        while completed and completed[0] <= horizon:
            completed.popleft()
        in_flight = self._in_flight
        while in_flight and in_flight[0] <= now - STALE_IN_FLIGHT:
            # a grant whose done() never came (a caller bug): stop counting it eventually
            in_flight.popleft()
        spread = self._tat - now
        if len(in_flight) + len(completed) < capacity:
            return spread
        if len(completed) > len(in_flight) + len(completed) - capacity:
            # enough finished sends will leave the window on their own; which one frees the
            # slot we need: the (live - capacity + 1)-th oldest completion
            excess = len(in_flight) + len(completed) - capacity
            return max(spread, completed[excess] + span + self.margin - now)
        # the window is full of sends still in flight: wait for one to complete
        return max(spread, IN_FLIGHT_POLL)

    def _record(self, address: str, now: float) -> None:
        rate = self.limits.global_per_second
        if rate is not None:
            self._in_flight.append(now)
            # the spread schedule advances from its own last slot, not from when the grant
            # happened: a grant a little late (a busy event loop) may be followed by one a
            # little early, so small delays do not add up; the sliding window above still
            # bounds every second
            interval = 1.0 / rate
            self._tat = max(self._tat, now - CATCH_UP_INTERVALS * interval) + interval
        if self._per_address_keep:
            times = self._per_address.setdefault(address, deque())
            times.append(now)
            cap = max(self.limits.per_address_per_minute or 1, 1)
            while len(times) > cap:
                times.popleft()
        self._grants += 1
        if self._grants % 4096 == 0:
            self._prune(now)

    def _prune(self, now: float) -> None:
        # keeps memory bounded by the addresses active within the horizon, not the audience
        stale = [a for a, t in self._per_address.items() if t[-1] < now - self._per_address_keep]
        for address in stale:
            del self._per_address[address]

    async def acquire(self, address: str) -> None:
        """Wait until a message to ``address`` may be sent now, and count it as sent."""
        if self.unlimited and self._paused_until <= 0.0:
            self._grants += 1
            return
        while True:
            now = self._clock()
            wait = max(self._paused_until - now, self._address_wait(address, now))
            if wait > 0:
                await self._sleep(wait)
                continue
            async with self._lock:
                while True:
                    now = self._clock()
                    wait = max(self._paused_until - now, self._global_wait(now))
                    if wait <= 0:
                        break
                    await self._sleep(wait)
                if self._address_wait(address, now) <= 0:
                    self._record(address, now)
                    return
            # another sender took this address meanwhile: wait for it again outside the lock

    def done(self, address: str) -> None:
        """The send granted last for ``address`` has completed (successfully or not). Every
        :meth:`acquire` must be followed by exactly one ``done`` for its address: the send
        leaves the global window one second after this moment, and per-address spacing counts
        from it."""
        now = self._clock()
        if self.limits.global_per_second is not None and self._in_flight:
            # which in-flight grant finished does not matter for counting: drop the oldest
            self._in_flight.popleft()
            self._completed.append(now)
        times = self._per_address.get(address)
        if times:
            times[-1] = max(times[-1], now)

    def tracked_addresses(self) -> int:
        """How many addresses the per-address windows currently remember."""
        return len(self._per_address)
