"""``async with limiter.slot(address)`` pairs the grant with its completion (issue 12, point 2):
the next send to the address waits one interval after the previous send *ended*, also when that
send raised; a free limiter grants without waiting."""

from __future__ import annotations

import pytest

from broadcaster.adapter import Limits
from broadcaster.engine.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def _limiter(clock: Clock) -> RateLimiter:
    limits = Limits(per_address_interval=1.0)
    return RateLimiter(limits, margin=0.0, clock=clock, sleep=clock.sleep)


async def test_slot_marks_the_send_done_on_exit_even_when_it_raises() -> None:
    clock = Clock()
    limiter = _limiter(clock)
    with pytest.raises(OSError):
        async with limiter.slot("-100"):
            clock.now += 5.0  # the send takes 5 s, then fails
            raise OSError("connection reset")
    async with limiter.slot("-100"):
        granted = clock.now
    # one interval after the failed send ended (a slot left open would wait far longer)
    assert granted == pytest.approx(6.0)
    async with limiter.slot("-200"):
        assert clock.now == granted  # another address does not wait


async def test_free_limiter_slot_does_not_wait() -> None:
    clock = Clock()
    limiter = RateLimiter(Limits(), margin=0.0, clock=clock, sleep=clock.sleep)
    assert limiter.free
    for _ in range(3):
        async with limiter.slot("-100"):
            pass
    assert clock.now == 0.0


async def test_an_interrupted_slot_grants_nothing_and_counts_nothing() -> None:
    """A stop or a hold cuts the wait short: the body learns nothing was granted, and the
    address is not charged for a send that never happened."""
    import asyncio

    limiter = RateLimiter(Limits(per_address_interval=60.0))
    interrupt = asyncio.Event()
    async with limiter.slot("-100", interrupt) as granted:
        assert granted
    ready_in = limiter.address_ready_in("-100")
    assert ready_in > 59  # the next send to the address must wait a minute

    async def interrupt_soon() -> None:
        await asyncio.sleep(0.05)
        interrupt.set()

    task = asyncio.ensure_future(interrupt_soon())
    async with limiter.slot("-100", interrupt) as granted:
        assert not granted  # returned at the interrupt, not after a minute
    await task
    assert limiter.address_ready_in("-100") <= ready_in  # nothing more was counted
    async with limiter.slot("-200", interrupt) as granted:
        assert not granted  # already set: no wait at all
    assert limiter.tracked_addresses() == 1
