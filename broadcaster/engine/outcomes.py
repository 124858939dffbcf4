"""What one attempt comes to: the sender's options, the one table mapping a provider error to
what happens next, and the one place an :class:`~broadcaster.store.records.Outcome` is built.

:data:`ERROR_TABLE` is read top to bottom; the first row whose error class matches decides, for
the account (pause or hold it), for a delivery (its outcome) and for a notice (sent later or
ended with the error). The sender applies it the same way to every send, deliveries and
notices alike (see :mod:`.sender`).
"""

from __future__ import annotations

import enum
import logging
import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..auth import SYSTEM
from ..errors import (
    AccountBlocked,
    AddressMoved,
    BroadcasterError,
    PermanentError,
    RateLimited,
    RecipientGone,
    RecipientThrottled,
    TransientError,
)
from ..store.records import AuditRecord, ClaimedDelivery, DeliveryStatus, GroupStatus, Outcome

if TYPE_CHECKING:
    from ..adapter import Adapter
    from ..metrics import Metrics
    from ..store.contract import Store
    from .holding import AccountHold
    from .ratelimit import RateLimiter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SenderOptions:
    claim_batch: int = 500
    max_in_flight: int = 64
    max_attempts: int = 8
    backoff_base: float = 2.0
    backoff_max: float = 900.0
    idle_poll: float = 0.5
    flush_interval: float = 0.1  # seconds between writes of finished sends' outcomes
    verify_base: str | None = None
    # several processes share the store: when idle, put back claims of this account that
    # nothing in this process is working on (see _idle)
    sweep_stray_claims: bool = False


class Account(enum.Enum):
    """What an error does to the whole account."""

    UNTOUCHED = "keeps sending"
    PAUSE = "pauses for the provider's retry_after (a long pause holds it, see holding.py)"
    BLOCK = "is held for the block's pause (None: until restarted), with an alert"


class Delivery(enum.Enum):
    """What an error makes of the delivery."""

    RETRY = "queued again after an exponential backoff with jitter (failed after max_attempts)"
    RETRY_AFTER = "queued again after the provider's retry_after (this recipient only)"
    WAIT = "queued again, held with the reason, until the account's pause ends"
    HOLD = "queued again untouched, held until the account's hold ends"
    FAIL = "failed, with the provider's reason"
    REMOVE = "failed; the group is marked removed (audited)"
    MOVE = "the group's address is updated (audited) and the message resent there"


class Notice(enum.Enum):
    """What an error makes of a notice (welcome, approval, answers; no attempt count)."""

    LATER = "kept, with the account's later notices, for the sender's next round"
    FAIL = "ended with the error"


@dataclass(frozen=True)
class Rule:
    error: type[Exception]
    account: Account
    delivery: Delivery
    notice: Notice
    #: the delivery's error text: ``str.format`` with ``exc`` and ``name`` (its class name)
    reason: str = "{name}: {exc}"


#: the one outcome table: first matching row wins (subclasses before their bases)
ERROR_TABLE: tuple[Rule, ...] = (
    Rule(
        RateLimited,
        Account.PAUSE,
        Delivery.WAIT,
        Notice.LATER,
        "{exc} (retry after {exc.retry_after:.0f} s)",
    ),
    Rule(AccountBlocked, Account.BLOCK, Delivery.HOLD, Notice.LATER),
    Rule(
        RecipientThrottled,
        Account.UNTOUCHED,
        Delivery.RETRY_AFTER,
        Notice.LATER,
        "recipient throttled: {exc}",
    ),
    Rule(RecipientGone, Account.UNTOUCHED, Delivery.REMOVE, Notice.FAIL, "recipient gone: {exc}"),
    Rule(
        AddressMoved,
        Account.UNTOUCHED,
        Delivery.MOVE,
        Notice.FAIL,
        "address moved too often: {exc}",  # the text once MAX_MOVES moves are used up
    ),
    Rule(PermanentError, Account.UNTOUCHED, Delivery.FAIL, Notice.FAIL, "permanent: {exc}"),
    Rule(TransientError, Account.UNTOUCHED, Delivery.RETRY, Notice.LATER),
    # any other error of ours (a generic DeliveryError, a refused look-up): retried, but a
    # notice, which counts no attempts, ends rather than coming back forever
    Rule(BroadcasterError, Account.UNTOUCHED, Delivery.RETRY, Notice.FAIL),
    Rule(OSError, Account.UNTOUCHED, Delivery.RETRY, Notice.LATER),
    # an adapter bug must lose neither a delivery nor a notice (logged as an error)
    Rule(Exception, Account.UNTOUCHED, Delivery.RETRY, Notice.LATER, "unexpected {name}: {exc}"),
)


def rule_for(exc: Exception) -> Rule:
    """The row of :data:`ERROR_TABLE` deciding what ``exc`` means."""
    for rule in ERROR_TABLE:
        if isinstance(exc, rule.error):
            return rule
    raise AssertionError("the table ends with Exception")  # pragma: no cover


def reason_of(rule: Rule, exc: Exception) -> str:
    return rule.reason.format(exc=exc, name=type(exc).__name__)


def outcome(
    d: ClaimedDelivery,
    status: DeliveryStatus,
    part: int,
    ids: list[str] | tuple[str, ...] | None = None,
    *,
    attempted: bool = False,
    next_at: float | None = None,
    error: str | None = None,
    held_reason: str | None = None,
    held_until: float | None = None,
) -> Outcome:
    """The one place an outcome is built: ``attempted`` counts this attempt, ``ids`` are the
    provider message ids so far (None: the delivery's own)."""
    return Outcome(
        id=d.id,
        status=status,
        attempts=d.attempts + 1 if attempted else d.attempts,
        parts_done=part,
        next_at=next_at,
        provider_ids=d.provider_ids if ids is None else tuple(ids),
        error=error,
        held_reason=held_reason,
        held_until=held_until,
    )


def untouched(d: ClaimedDelivery, part: int, ids: list[str] | None = None) -> Outcome:
    """Back to the queue as it was (no attempt counted), due at once."""
    return outcome(d, DeliveryStatus.queued, part, ids, next_at=time.time())


def backoff(attempt: int, base: float, cap: float) -> float:
    """Full-jitter exponential backoff: uniform in [0.5, 1] × min(cap, base ** attempt)."""
    delay: float = min(cap, base**attempt)
    return delay * (0.5 + random.random() / 2)


class OutcomeRules:
    """The table applied: what an error does to the account and the delivery, and the outcomes
    that need the sender's options (mixed into :class:`.sender.AccountSender`)."""

    options: SenderOptions
    store: Store
    adapter: Adapter
    limiter: RateLimiter
    metrics: Metrics
    hold: AccountHold

    @property
    def account(self) -> str:
        return self.adapter.account

    def _on_account(self, rule: Rule, exc: Exception) -> tuple[str, float] | None:
        """What ``exc`` does to the whole account (the table's account column); a pause's hold
        reason and end when it pauses it."""
        if rule.account is Account.PAUSE:
            assert isinstance(exc, RateLimited)
            reason, until = self.hold.rate_limited(exc, self.limiter.paused_for > 0)
            self.limiter.pause(exc.retry_after)
            self.metrics.rate_limited(self.adapter.channel, self.account)
            return reason, until
        if rule.account is Account.BLOCK:
            assert isinstance(exc, AccountBlocked)
            self.hold.blocked(exc)
        elif rule.error is Exception:
            log.error("adapter %s raised unexpectedly", self.account, exc_info=exc)
        return None

    async def _outcome_of(
        self, d: ClaimedDelivery, part: int, ids: list[str], exc: Exception, rule: Rule
    ) -> Outcome:
        """What a send's error means for the delivery: its row of the outcome table."""
        reason = reason_of(rule, exc)
        paused = self._on_account(rule, exc)
        act = rule.delivery
        if act is Delivery.WAIT:
            assert paused is not None
            held_reason, until = paused
            return outcome(
                d,
                DeliveryStatus.queued,
                part,
                ids,
                next_at=until,
                error=reason,
                held_reason=held_reason,
                held_until=until,
            )
        if act is Delivery.HOLD:
            return self.hold.outcome(d, part, ids)
        if act is Delivery.RETRY_AFTER:
            assert isinstance(exc, RecipientThrottled)
            return self._retry(d, part, ids, reason, exc.retry_after)
        if act is Delivery.RETRY:
            return self._retry(d, part, ids, reason)
        if act is Delivery.REMOVE:
            assert isinstance(exc, RecipientGone)
            await self._remove_group(d, exc)
        return self._failed(d, part, ids, reason)  # FAIL, REMOVE, MOVE past MAX_MOVES

    async def _move(self, d: ClaimedDelivery, old: str, exc: AddressMoved) -> str:
        new = self.adapter.normalize_address(exc.new_address)
        await self.store.update_group(
            d.group_id,
            AuditRecord(
                actor=SYSTEM,
                action="group.address_moved",
                object_type="group",
                object_id=str(d.group_id),
                detail={"from": old, "to": new, "provider": str(exc)},
            ),
            address=new,
        )
        return new

    async def _remove_group(self, d: ClaimedDelivery, exc: RecipientGone) -> None:
        await self.store.update_group(
            d.group_id,
            AuditRecord(
                actor=SYSTEM,
                action="group.removed",
                object_type="group",
                object_id=str(d.group_id),
                detail={"reason": str(exc)},
            ),
            status=GroupStatus.removed,
        )

    def _failed(self, d: ClaimedDelivery, part: int, ids: list[str], reason: str) -> Outcome:
        return outcome(d, DeliveryStatus.failed, part, ids, attempted=True, error=reason)

    def _retry(
        self,
        d: ClaimedDelivery,
        part: int,
        ids: list[str],
        reason: str,
        delay: float | None = None,
    ) -> Outcome:
        attempts = d.attempts + 1
        if attempts >= self.options.max_attempts:
            return self._failed(d, part, ids, f"gave up after {attempts} attempts: {reason}")
        if delay is None:
            delay = backoff(attempts, self.options.backoff_base, self.options.backoff_max)
        return outcome(
            d,
            DeliveryStatus.queued,
            part,
            ids,
            attempted=True,
            next_at=time.time() + delay,
            error=reason,
        )

    def _parked(
        self, d: ClaimedDelivery, part: int, ids: list[str], notes: list[str], wait: float
    ) -> Outcome:
        """Parts went out and the next must wait ``wait`` seconds for its recipient: back to
        the queue until then (no attempt counted), the worker free for other deliveries."""
        return outcome(
            d,
            DeliveryStatus.queued,
            part,
            ids,
            next_at=time.time() + wait,
            error="; ".join(notes) or None,
        )
