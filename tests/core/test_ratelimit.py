"""The rate limiter never exceeds its limits, on random schedules (virtual clock), whatever
the network delays: a provider may see a request arrive at any moment between its grant and its
completion, and every such choice of arrival times must stay within the limits."""

from __future__ import annotations

import asyncio
import bisect
import heapq
import itertools
from collections import defaultdict
from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from broadcaster.adapter import Limits
from broadcaster.engine.ratelimit import CATCH_UP_INTERVALS, STALE_IN_FLIGHT, RateLimiter


class VirtualTime:
    """A deterministic clock: sleepers wake in time order, no real waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._seq), future))
        await future

    async def run(self, tasks: Sequence[asyncio.Future[None]]) -> None:
        """Let every task run until blocked, then advance time to the next sleeper."""
        idle_rounds = 0
        while not all(t.done() for t in tasks):
            for _ in range(5):
                await asyncio.sleep(0)
            if self._sleepers:
                when, _, future = heapq.heappop(self._sleepers)
                self.now = max(self.now, when)
                future.set_result(None)
                idle_rounds = 0
            else:
                idle_rounds += 1
                assert idle_rounds < 1000, "tasks blocked with nobody sleeping: deadlock"


def _worst_arrivals(sends: list[tuple[float, float]], window: float) -> int:
    """The most sends a provider could count in one ``window`` when each (grant, completion)
    send arrives at the worst moment in between: send i can fall in the window (x - window, x]
    iff grant_i <= x and completion_i > x - window; the maximum is reached at some grant."""
    return max(sum(1 for g, c in sends if g <= x < c + window) for x, _ in sends)


def _max_in_window(times: list[float], window: float) -> int:
    best = 0
    for i, t in enumerate(times):
        j = bisect.bisect_left(times, t + window)
        best = max(best, j - i)
    return best


schedule = st.lists(
    st.tuples(st.floats(0, 3), st.sampled_from(["a", "b", "c", "d"]), st.floats(0, 0.3)),
    min_size=1,
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(
    plan=schedule,
    rate=st.sampled_from([None, 1, 3, 10, 0.5]),
    interval=st.sampled_from([None, 0.5, 1.0]),
    per_minute=st.sampled_from([None, 2, 5]),
    pause=st.one_of(st.none(), st.tuples(st.floats(0, 3), st.floats(0.1, 2))),
)
def test_grants_never_exceed_limits(
    plan: list[tuple[float, str, float]],
    rate: float | None,
    interval: float | None,
    per_minute: int | None,
    pause: tuple[float, float] | None,
) -> None:
    limits = Limits(
        global_per_second=rate, per_address_interval=interval, per_address_per_minute=per_minute
    )
    vt = VirtualTime()
    limiter = RateLimiter(limits, margin=0.0, clock=vt.clock, sleep=vt.sleep)
    grants: list[tuple[float, str]] = []
    spans: dict[str, list[tuple[float, float]]] = defaultdict(list)  # (grant, completion)

    async def send(start: float, address: str, latency: float) -> None:
        await vt.sleep(start)
        await limiter.acquire(address)
        granted = vt.now
        grants.append((granted, address))
        await vt.sleep(latency)  # the request is in flight
        limiter.done(address)
        spans[address].append((granted, vt.now))

    async def pauser(at: float, seconds: float) -> None:
        await vt.sleep(at)
        limiter.pause(seconds)
        grants.append((vt.now, "__pause__" + repr(seconds)))

    async def main() -> None:
        tasks = [asyncio.ensure_future(send(s, a, lat)) for s, a, lat in plan]
        if pause is not None:
            tasks.append(asyncio.ensure_future(pauser(*pause)))
        await vt.run(tasks)

    asyncio.run(main())
    sends = [(t, a) for t, a in grants if not a.startswith("__pause__")]
    assert len(sends) == len(plan)
    times = sorted(t for t, _ in sends)
    if rate is not None:
        span = 1.0 if rate >= 1 else 1 / rate
        assert _max_in_window(times, span) <= max(1, int(rate))
        every = [s for per in spans.values() for s in per]
        assert _worst_arrivals(every, span) <= max(1, int(rate))
        # grants are spread: in any stretch of time, at most what the rate allows plus the
        # little catch-up the schedule permits
        slack = 1 + CATCH_UP_INTERVALS
        for i, t in enumerate(times):
            for j in range(i + 1, len(times)):
                assert j - i <= (times[j] - t) * rate + slack + 1e-9
    by_address: dict[str, list[float]] = defaultdict(list)
    for t, a in sends:
        by_address[a].append(t)
    for per in spans.values():
        per.sort()
        if interval is not None:  # the next request cannot arrive before the previous answer
            assert all(b[0] - a[1] >= interval - 1e-9 for a, b in itertools.pairwise(per))
        if per_minute is not None:
            assert _worst_arrivals(per, 60.0) <= per_minute
    for address_times in by_address.values():
        address_times.sort()
        if interval is not None:
            gaps = [b - a for a, b in itertools.pairwise(address_times)]
            assert all(g >= interval - 1e-9 for g in gaps)
        if per_minute is not None:
            assert _max_in_window(address_times, 60.0) <= per_minute
    if pause is not None:
        start = next(t for t, a in grants if a.startswith("__pause__"))
        assert not [t for t in times if start < t < start + pause[1] - 1e-9]


async def test_unlimited_is_immediate() -> None:
    limiter = RateLimiter(Limits())
    for _ in range(1000):
        await limiter.acquire("x")
    assert limiter.tracked_addresses() == 0


async def test_pause_holds_real_sends() -> None:
    limiter = RateLimiter(Limits(), margin=0.0)
    loop = asyncio.get_running_loop()
    limiter.pause(0.2)
    started = loop.time()
    await limiter.acquire("x")
    assert loop.time() - started >= 0.19
    assert limiter.paused_for == 0.0


async def test_per_address_memory_is_pruned() -> None:
    vt = VirtualTime()
    limiter = RateLimiter(
        Limits(per_address_interval=1.0), margin=0.0, clock=vt.clock, sleep=vt.sleep
    )
    for i in range(5000):
        await limiter.acquire(f"chat-{i}")
        limiter.done(f"chat-{i}")
        vt.now += 0.01
    # every 4096 grants stale addresses (older than the 1 s horizon) are dropped
    assert limiter.tracked_addresses() < 5000 - 3000


async def test_a_lost_done_stops_counting_eventually() -> None:
    """A caller that never calls done() holds its slot for STALE_IN_FLIGHT seconds, not
    forever."""
    vt = VirtualTime()
    limiter = RateLimiter(Limits(global_per_second=1), clock=vt.clock, sleep=vt.sleep)
    await limiter.acquire("a")  # never done

    async def second() -> None:
        await limiter.acquire("b")

    task = asyncio.ensure_future(second())
    await vt.run([task])
    assert STALE_IN_FLIGHT <= vt.now < STALE_IN_FLIGHT + 1
