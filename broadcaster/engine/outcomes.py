"""What one attempt at a claimed delivery comes to: the sender's options and the outcomes it
writes back (sent, failed, retried with backoff, parked, untouched)."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from ..store.records import ClaimedDelivery, DeliveryStatus, Outcome


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


def untouched(d: ClaimedDelivery, part: int, ids: list[str] | None = None) -> Outcome:
    """Back to the queue as it was (no attempt counted), due at once."""
    provider_ids = tuple(ids) if ids is not None else d.provider_ids
    return Outcome(
        id=d.id,
        status=DeliveryStatus.queued,
        attempts=d.attempts,
        parts_done=part,
        next_at=time.time(),
        provider_ids=provider_ids,
    )


def backoff(attempt: int, base: float, cap: float) -> float:
    """Full-jitter exponential backoff: uniform in [0.5, 1] × min(cap, base ** attempt)."""
    delay: float = min(cap, base**attempt)
    return delay * (0.5 + random.random() / 2)


class OutcomeRules:
    """The outcome table of an account's sender (mixed into :class:`.sender.AccountSender`)."""

    options: SenderOptions

    def _failed(self, d: ClaimedDelivery, part: int, ids: list[str], reason: str) -> Outcome:
        return Outcome(
            id=d.id,
            status=DeliveryStatus.failed,
            attempts=d.attempts + 1,
            parts_done=part,
            provider_ids=tuple(ids),
            error=reason,
        )

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
        return Outcome(
            id=d.id,
            status=DeliveryStatus.queued,
            attempts=attempts,
            parts_done=part,
            next_at=time.time() + delay,
            provider_ids=tuple(ids),
            error=reason,
        )

    def _parked(
        self, d: ClaimedDelivery, part: int, ids: list[str], notes: list[str], wait: float
    ) -> Outcome:
        """Parts went out and the next must wait ``wait`` seconds for its recipient: back to
        the queue until then (no attempt counted), the worker free for other deliveries."""
        return Outcome(
            id=d.id,
            status=DeliveryStatus.queued,
            attempts=d.attempts,
            parts_done=part,
            next_at=time.time() + wait,
            provider_ids=tuple(ids),
            error="; ".join(notes) or None,
        )
