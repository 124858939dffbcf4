"""The hoax desk's retention, applied by the running service: every hour, reports whose
verdict is older than ``[hoax] retention_days`` lose their personal parts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from ..config import HoaxConfig
from ..store.contract import Store
from .verdicts import purge

log = logging.getLogger(__name__)
PURGE_EVERY_SECONDS = 3600.0


async def purge_reports(
    store: Store,
    config: HoaxConfig,
    stopping: asyncio.Event,
    every: float = PURGE_EVERY_SECONDS,
) -> None:
    """Purge now, then every ``every`` seconds, until ``stopping`` is set."""
    while not stopping.is_set():
        try:
            count = await purge(store, retention_days=config.retention_days, now=time.time())
            if count:
                log.info("hoax desk: %d reports past retention purged", count)
        except Exception as exc:  # logged, retried next time: it must not stop the service
            log.warning("hoax desk: retention purge failed: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), every)
