"""Dispatch progress: the one reader behind ``broadcaster dispatches status`` and the web.

One grouped scan of the dispatch's deliveries (by channel and by regency), and the figures both
faces show — sent, failed, cancelled, remaining, total, rate and ETA — computed here once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .store.contract import Store
from .store.records import Dispatch, DispatchStatus

#: delivery statuses that still have work ahead of them
OPEN = ("queued", "sending")


def remaining_of(counts: dict[str, int]) -> int:
    """Deliveries not yet sent, failed or cancelled in a ``{status: count}`` table."""
    return sum(counts.get(status, 0) for status in OPEN)


@dataclass(frozen=True, kw_only=True)
class DispatchProgress:
    dispatch: Dispatch
    by_status: dict[str, int]
    by_channel: dict[str, dict[str, int]]
    by_regency: dict[str, dict[str, int]]
    rate_per_second: float
    eta_seconds: float | None

    @property
    def sent(self) -> int:
        return self.by_status.get("sent", 0)

    @property
    def failed(self) -> int:
        return self.by_status.get("failed", 0)

    @property
    def cancelled(self) -> int:
        return self.by_status.get("cancelled", 0)

    @property
    def remaining(self) -> int:
        return remaining_of(self.by_status)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def finished(self) -> bool:
        return self.dispatch.status in (DispatchStatus.done, DispatchStatus.cancelled)


async def read_progress(store: Store, dispatch_id: int, prefix_len: int = 4) -> DispatchProgress:
    """Progress of one dispatch (NotFound when it does not exist); rate is over the dispatch's
    whole life (to its end once finished), ETA None while nothing was sent yet."""
    d = await store.get_dispatch(dispatch_id)
    by_channel, by_regency = await store.progress_breakdown(dispatch_id, prefix_len)
    by_status: dict[str, int] = {}
    for counts in by_channel.values():
        for status, count in counts.items():
            by_status[status] = by_status.get(status, 0) + count
    end = d.finished_at.timestamp() if d.finished_at else time.time()
    elapsed = max(end - d.created_at.timestamp(), 1e-3)
    rate = (by_status.get("sent", 0) + by_status.get("failed", 0)) / elapsed
    remaining = remaining_of(by_status)
    finished = d.status in (DispatchStatus.done, DispatchStatus.cancelled)
    eta = 0.0 if finished or remaining == 0 else (remaining / rate if rate else None)
    return DispatchProgress(
        dispatch=d,
        by_status=by_status,
        by_channel=by_channel,
        by_regency=by_regency,
        rate_per_second=rate,
        eta_seconds=eta,
    )
