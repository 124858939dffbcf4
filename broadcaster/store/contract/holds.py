"""Store contract, holds role: held deliveries and the reasons an operator sees (issue 10).

A *hold* is a queued delivery waiting for a cause outside it: the number's quiet hours, its
daily cap, a provider's pause (429) or block. The sender writes the hold with the delivery
(:attr:`~.records.Outcome.held_reason`, ``held_until``); :meth:`HoldStore.release_holds` makes
held deliveries due again the moment their cause may be gone (the service restarted with changed
config, the account resumed), and the next send re-checks the cause (the engine, the CLI, the
dashboard)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

#: why a delivery is held (``deliveries.held_reason``); quiet hours of the whole service are
#: not stored per delivery: they follow from the config and the clock (see broadcaster.holds)
QUIET_HOURS = "quiet_hours"
DAILY_CAP = "daily_cap"
RATE_LIMITED = "rate_limited"
ACCOUNT_BLOCKED = "account_blocked"
HOLD_REASONS = (QUIET_HOURS, DAILY_CAP, RATE_LIMITED, ACCOUNT_BLOCKED)


@dataclass(frozen=True)
class ReasonCount:
    """How many deliveries of a dispatch failed, or are held, for one reason."""

    state: str  # "failed" or "held"
    reason: str  # a hold reason (HOLD_REASONS) or a failed delivery's recorded error
    count: int
    until: float | None = None  # held: the latest held_until (Unix time) among them


@dataclass(frozen=True)
class DeliveryProblem:
    """One failed, held or waiting (queued) delivery, with where it was going."""

    delivery_id: int
    group_id: int
    title: str
    address: str
    channel: str
    account: str
    state: str  # "failed", "held" or "queued"
    reason: str | None
    until: float | None


class HoldStore(ABC):
    """Holds and the reasons behind failed and held deliveries."""

    @abstractmethod
    async def hold_queued(
        self, account: str, reason: str, until: float | None, next_at: float
    ) -> int:
        """Hold every queued delivery of ``account`` due before ``next_at`` (its account is
        held: it will not send them before then) with ``reason`` until ``until`` (None: until
        an operator acts); the number held."""

    @abstractmethod
    async def release_holds(self, account: str | None = None) -> int:
        """Make every held delivery (of ``account``; None: of every account) due now and
        clear its hold, so its cause is checked again on the next send; the number released."""

    @abstractmethod
    async def delivery_reasons(self, dispatch_id: int) -> list[ReasonCount]:
        """Failed deliveries by recorded error and held ones by hold reason, largest first."""

    @abstractmethod
    async def delivery_problems(
        self, dispatch_id: int, limit: int, include_queued: bool = False
    ) -> list[DeliveryProblem]:
        """Failed and held deliveries of a dispatch (and every other queued one when
        ``include_queued``: the service's quiet hours hold them), in delivery order."""
