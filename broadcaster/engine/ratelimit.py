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

from ..adapter import Limits

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
# how much of one spread interval a late grant may make up: enough to absorb event-loop
# lateness, too little to let grants bunch (bunched requests arrive with uneven delays)
CATCH_UP_INTERVALS = 0.5
# while a window is full of sends in flight, how often to look again (seconds); completions do
# not wake waiters, as they are far more frequent than waits
IN_FLIGHT_POLL = 0.002
# a grant still "in flight" after this long lost its done() call; it stops counting
STALE_IN_FLIGHT = 300.0


class _Window:
    """At most ``capacity`` sends in any ``span`` seconds *as the provider may count them*: a
    send occupies the window from its grant until ``span`` after its completion."""

    __slots__ = ("capacity", "completed", "in_flight", "span")

    def __init__(self, capacity: int, span: float) -> None:
        self.capacity = capacity
        self.span = span
        self.in_flight: deque[float] = deque()  # grant times, oldest first
        self.completed: deque[float] = deque()  # completion times, non-decreasing

    def wait(self, now: float) -> float:
        """Seconds until one more send fits (<= 0: it fits now)."""
        completed, in_flight = self.completed, self.in_flight
        horizon = now - self.span
        while completed and completed[0] <= horizon:
            completed.popleft()
        while in_flight and in_flight[0] <= now - STALE_IN_FLIGHT:
            in_flight.popleft()  # a caller bug must not block the account forever
        excess = len(in_flight) + len(completed) - self.capacity
        if excess < 0:
            return 0.0
        if excess < len(completed):
            # finished sends leave on their own; the (excess + 1)-th oldest frees our slot
            return completed[excess] + self.span - now
        return IN_FLIGHT_POLL  # full of sends in flight: one must complete first

    def grant(self, now: float) -> None:
        self.in_flight.append(now)

    def done(self, now: float) -> None:
        # which in-flight send finished does not matter for counting: retire the oldest
        if self.in_flight:
            self.in_flight.popleft()
            self.completed.append(now)

    def idle_since(self, before: float) -> bool:
        """Nothing in flight and nothing completed after ``before``."""
        return not self.in_flight and (not self.completed or self.completed[-1] < before)


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
        rate = limits.global_per_second
        self._global: _Window | None = None
        if rate is not None:
            # below one per second the window stretches so that one send per 1/rate s remains
            span = 1.0 if rate >= 1 else 1.0 / rate
            self._global = _Window(max(1, math.floor(rate)), span + margin)
        self._per_address: dict[str, list[_Window]] = {}
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

    def _address_windows(self) -> list[_Window]:
        windows = []
        if self.limits.per_address_interval is not None:
            # "at least N s between two sends" is a window of one send per N s
            windows.append(_Window(1, self.limits.per_address_interval + self.margin))
        if self.limits.per_address_per_minute is not None:
            windows.append(_Window(max(1, self.limits.per_address_per_minute), 60.0 + self.margin))
        return windows

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

    def address_ready_in(self, address: str) -> float:
        """Seconds until the per-address limits let one more message go to ``address`` (0:
        now), leaving the global window and pauses aside."""
        return max(0.0, self._address_wait(address, self._clock()))

    def _address_wait(self, address: str, now: float) -> float:
        windows = self._per_address.get(address)
        if not windows:
            return 0.0
        return max(w.wait(now) for w in windows)

    def _global_wait(self, now: float) -> float:
        if self._global is None:
            return 0.0
        return max(self._tat - now, self._global.wait(now))

    def _record(self, address: str, now: float) -> None:
        rate = self.limits.global_per_second
        if self._global is not None and rate is not None:
            self._global.grant(now)
            # the spread schedule advances from its own last slot, not from when the grant
            # happened: a grant a little late (a busy event loop) may be followed by one a
            # little early, so small delays do not add up; the window still bounds every span
            interval = 1.0 / rate
            self._tat = max(self._tat, now - CATCH_UP_INTERVALS * interval) + interval
        if self._per_address_keep:
            windows = self._per_address.get(address)
            if windows is None:
                windows = self._per_address[address] = self._address_windows()
            for window in windows:
                window.grant(now)
        self._grants += 1
        if self._grants % 4096 == 0:
            self._prune(now)

    def _prune(self, now: float) -> None:
        # keeps memory bounded by the addresses active within the horizon, not the audience
        before = now - self._per_address_keep
        stale = [a for a, ws in self._per_address.items() if all(w.idle_since(before) for w in ws)]
        for address in stale:
            del self._per_address[address]

    def slot(self, address: str, interrupt: asyncio.Event | None = None) -> Slot:
        """``async with limiter.slot(address) as granted:`` around one send: waits for its
        grant on entry and marks it done on exit, however the send ends (nothing at all while
        :attr:`free`). ``granted`` is False — nothing was granted, so nothing may be sent — when
        ``interrupt`` was set before the grant came (a stop, or the account is held), so that
        no caller sleeps through a shutdown or a long provider pause."""
        if self.free:
            return _FREE
        return Slot(self, address, interrupt)

    async def acquire(self, address: str, interrupt: asyncio.Event | None = None) -> bool:
        """Wait until a message to ``address`` may be sent now, and count it as sent: True.
        False when ``interrupt`` was set first (then nothing was counted). Every acquire that
        returned True must be followed by exactly one :meth:`done` for the same address;
        :meth:`slot` pairs them."""
        if interrupt is None:
            await self._acquire(address)
            return True
        if interrupt.is_set():
            return False
        granted = asyncio.ensure_future(self._acquire(address))
        woken = asyncio.ensure_future(interrupt.wait())
        try:
            await asyncio.wait((granted, woken), return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
            if not granted.done():
                granted.cancel()
        if not granted.done() or granted.cancelled():
            return False
        granted.result()  # the grant is recorded without an await in between: it counts
        return True

    async def _acquire(self, address: str) -> None:
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
        """A send granted for ``address`` has completed (successfully or not): it leaves each
        window one window length after this moment."""
        now = self._clock()
        if self._global is not None:
            self._global.done(now)
        for window in self._per_address.get(address, ()):
            window.done(now)

    def tracked_addresses(self) -> int:
        """How many addresses the per-address windows currently remember."""
        return len(self._per_address)


class Slot:
    """One send's grant (see :meth:`RateLimiter.slot`): a plain class rather than a generator
    context manager, as it is entered once per message of a fan-out."""

    __slots__ = ("_address", "_granted", "_interrupt", "_limiter")

    def __init__(
        self, limiter: RateLimiter | None, address: str, interrupt: asyncio.Event | None
    ) -> None:
        self._limiter = limiter
        self._address = address
        self._interrupt = interrupt
        self._granted = False

    async def __aenter__(self) -> bool:
        if self._limiter is None:
            return True
        self._granted = await self._limiter.acquire(self._address, self._interrupt)
        return self._granted

    async def __aexit__(self, *exc: object) -> None:
        if self._granted and self._limiter is not None:
            self._granted = False
            self._limiter.done(self._address)


#: the slot of a free limiter: grants at once, counts nothing
_FREE = Slot(None, "", None)
