"""The asyncio core: the planner, one sender per account with its rate limiter
(:mod:`.ratelimit`) and outcome table (:mod:`.outcomes`) — the account's only way out, for
deliveries and notices alike —, the completion monitor, the schedule bridge
(:mod:`.scheduling`), the content cache, the one work signal (:mod:`.work`) and the leases
this process holds."""

from .engine import Engine

__all__ = ["Engine"]
