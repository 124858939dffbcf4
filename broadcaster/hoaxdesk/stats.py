"""The hoax desk's figures for ``/metrics``: reports today, open cases, and the median time
from a case's first report to its confirmed verdict."""

from __future__ import annotations

import time

from ..metrics import Metrics
from ..store.contract import Store

DAY = 86400
MEDIAN_WINDOW_DAYS = 30


async def hoax_gauges(store: Store, metrics: Metrics, now: float | None = None) -> None:
    """Read the figures from the store (every process sees them all) into the gauges."""
    at = time.time() if now is None else now
    stats = await store.hoax_stats(at - MEDIAN_WINDOW_DAYS * DAY)
    today = time.strftime("%Y-%m-%d", time.gmtime(at))
    reports_today = dict(stats.reports_by_day).get(today, 0)
    metrics.hoax_counted(reports_today, stats.open_cases, stats.median_seconds_to_verdict)
