"""An account's hold: while a cause outside the deliveries stops the account (the number's
quiet hours or daily cap, a long provider pause, a provider block), the sender claims nothing,
every delivery it still has goes back to the queue marked held with the reason and until when,
and no worker sleeps through the pause (so a shutdown never waits for it).

Short provider pauses (a 429 with a retry-after of a few seconds) are waited out in memory by
the rate limiter; only pauses longer than :data:`HOLD_AFTER` become holds.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from datetime import datetime

from ..errors import AccountBlocked, RateLimited
from ..metrics import Metrics
from ..store.contract.holds import ACCOUNT_BLOCKED, HOLD_REASONS, RATE_LIMITED
from ..store.records import ClaimedDelivery, DeliveryStatus, Outcome
from .outcomes import outcome

log = logging.getLogger(__name__)

#: seconds: a provider pause longer than this holds the account (see the module docstring)
HOLD_AFTER = 30.0
#: a hold without an end (a block until an operator acts) is looked at again this often
RECHECK = 3600.0


def _clock(at: float) -> str:
    return datetime.fromtimestamp(at).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


class AccountHold:
    """The hold of one account (none while ``until`` is 0)."""

    def __init__(self, channel: str, account: str, metrics: Metrics) -> None:
        self.channel = channel
        self.account = account
        self.metrics = metrics
        self.until = 0.0
        self.reason: str | None = None  # one of HOLD_REASONS
        self.detail: str | None = None  # the provider's words
        # set while held or stopping: wakes every worker waiting on the rate limiter
        self.interrupt = asyncio.Event()
        self.stopping = False

    def stop(self) -> None:
        self.stopping = True
        self.interrupt.set()

    def start(self, until: float, reason: str, detail: str) -> None:
        """Hold the account until ``until`` (Unix time; inf: until restarted)."""
        if self.until and until <= self.until + 1.0:
            return  # the same pause, met again by another worker
        self.until, self.reason, self.detail = until, reason, detail
        self.interrupt.set()
        self.metrics.account_held(self.channel, self.account, reason)
        log.info(
            "account %s held (%s) %s: %s",
            self.account,
            reason,
            "until restarted" if math.isinf(until) else f"until {_clock(until)}",
            detail,
        )

    def active(self) -> bool:
        """True while held; ends (and logs) the hold once its time is over."""
        if self.until == 0.0:
            return False
        if time.time() < self.until:
            return True
        if self.reason == ACCOUNT_BLOCKED:
            log.warning("account %s: provider block over, sending again", self.account)
            self.metrics.account_blocked(self.channel, self.account, None)
        else:
            log.info("account %s: hold (%s) over, sending again", self.account, self.reason)
        self.until, self.reason, self.detail = 0.0, None, None
        self.metrics.account_held(self.channel, self.account, None)
        if not self.stopping:
            self.interrupt.clear()
        return False

    def rate_limited(self, exc: RateLimited, paused_already: bool) -> tuple[str, float]:
        """The hold reason and end of a provider pause; logged once per pause (INFO), and a
        long one holds the account."""
        until = time.time() + exc.retry_after
        reason = exc.provider_code if exc.provider_code in HOLD_REASONS else RATE_LIMITED
        assert reason is not None
        if exc.retry_after > HOLD_AFTER:
            self.start(until, reason, str(exc))
        elif not paused_already:
            log.info(
                "account %s paused %.1f s by the provider (%s): %s",
                self.account,
                exc.retry_after,
                reason,
                exc,
            )
        return reason, until

    def blocked(self, exc: AccountBlocked) -> None:
        until = math.inf if exc.pause is None else time.time() + exc.pause
        detail = f"{exc.provider_code or ''} {exc}".strip()
        self.metrics.account_blocked(self.channel, self.account, exc.provider_code)
        log.error(
            "ALERT account %s blocked by the provider (%s): %s",
            self.account,
            "until restarted" if exc.pause is None else f"paused {exc.pause:g}s",
            detail,
        )
        self.start(until, ACCOUNT_BLOCKED, detail)

    def outcome(self, d: ClaimedDelivery, part: int, ids: list[str]) -> Outcome:
        """Back to the queue untouched (no attempt counted), marked held until the hold ends;
        looked at again within the hour when it has no end (an operator must act)."""
        endless = math.isinf(self.until)
        return outcome(
            d,
            DeliveryStatus.queued,
            part,
            ids,
            next_at=time.time() + RECHECK if endless else self.until,
            error=self.detail,
            held_reason=self.reason,
            held_until=None if endless else self.until,
        )
