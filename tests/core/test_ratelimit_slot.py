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
