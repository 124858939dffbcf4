"""The asyncio core: the planner, one sender per account with its rate limiter
(:mod:`.ratelimit`), the completion monitor, the schedule bridge (:mod:`.scheduling`), the
content cache and the leases this process holds."""

from .engine import Engine

__all__ = ["Engine"]
