"""The hoax desk's retention, applied by the running service: every hour, reports whose
verdict is older than ``[hoax] retention_days`` lose their personal parts, and the pictures of
the web form that no remaining report refers to are deleted (:mod:`.media`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..store.contract import Store
from . import media
from .verdicts import purge

if TYPE_CHECKING:
    from ..config import HoaxConfig

log = logging.getLogger(__name__)
PURGE_EVERY_SECONDS = 3600.0
#: halves of a report waiting for their other half (a WhatsApp forward and its LAPOR) are
#: forgotten after this long at the latest: longer than any channel pairs them
PENDING_MAX_AGE = 3600.0


async def purge_once(
    store: Store, config: HoaxConfig, data_dir: Path, now: float | None = None
) -> tuple[int, int]:
    """Purge the reports past retention, then their pictures: (reports, pictures) removed.
    Halves of reports left waiting (:data:`PENDING_MAX_AGE`) are forgotten too."""
    now = time.time() if now is None else now
    await store.forget_pending_reports(now - PENDING_MAX_AGE)
    count = await purge(store, retention_days=config.retention_days, now=now)
    pictures = await media.sweep(store, media.media_dir(data_dir), now=now)
    return count, pictures


async def purge_reports(
    store: Store,
    config: HoaxConfig,
    stopping: asyncio.Event,
    every: float = PURGE_EVERY_SECONDS,
    *,
    data_dir: Path,
) -> None:
    """Purge now, then every ``every`` seconds, until ``stopping`` is set; ``data_dir`` is
    ``service.data_dir`` (the pictures' folder is in it)."""
    while not stopping.is_set():
        try:
            count, pictures = await purge_once(store, config, data_dir)
            if count or pictures:
                log.info(
                    "hoax desk: %d reports past retention purged, %d pictures deleted",
                    count,
                    pictures,
                )
        except Exception as exc:  # logged, retried next time: it must not stop the service
            log.warning("hoax desk: retention purge failed: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), every)
