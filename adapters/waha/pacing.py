"""Anti-ban pacing on top of the core's limiter: random jitter before each message, quiet
hours and a daily cap per number. The core's limiter already spaces messages
(``min_interval``, ``group_interval`` become the account's limits).

The daily cap is counted in the store (per number and local day in ``timezone``), so a restart
or a second process does not start the count again; without a store (tests of the adapter
alone) it is counted in memory."""

from __future__ import annotations

import asyncio
import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from broadcaster.errors import RateLimited
from broadcaster.store.contract.channels import ChannelStore
from broadcaster.store.contract.holds import DAILY_CAP, QUIET_HOURS

from .settings import WahaSettings


class Pacer:
    def __init__(self, settings: WahaSettings, counts: ChannelStore | None = None) -> None:
        self.settings = settings
        self.zone = ZoneInfo(settings.timezone)
        self.counts = counts
        self._day: date | None = None
        self.sent_today = 0

    def _now(self) -> datetime:
        return datetime.now(self.zone)

    async def before_send(self) -> None:
        """Wait the jitter, or raise RateLimited (the whole number waits) in quiet hours or
        once the daily cap is reached (``provider_code`` says which)."""
        now = self._now()
        quiet = self.settings.quiet_hours
        if quiet is not None and _inside(now.time(), *quiet):
            wait = _until(now, quiet[1])
            raise RateLimited(
                f"quiet hours of the number until {quiet[1]:%H:%M}",
                retry_after=wait,
                provider_code=QUIET_HOURS,
            )
        if self.settings.jitter > 0:
            # before counting: a send cancelled in its jitter (a shutdown) used no slot
            await asyncio.sleep(random.uniform(0, self.settings.jitter))
            now = self._now()
        if not await self._count(now.date()):
            raise RateLimited(
                f"daily cap of {self.settings.daily_cap} messages reached",
                retry_after=_until(now, time(0, 0)),
                provider_code=DAILY_CAP,
            )

    async def _count(self, day: date) -> bool:
        """Count one more message today; False once the cap is reached."""
        cap = self.settings.daily_cap
        if self.counts is not None:
            return await self.counts.take_daily_slot(self.settings.account, day.isoformat(), cap)
        if self._day != day:
            self._day, self.sent_today = day, 0
        if self.sent_today >= cap:
            return False
        self.sent_today += 1
        return True


def _inside(moment: time, start: time, end: time) -> bool:
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


def _until(now: datetime, at: time) -> float:
    target = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    return (target - now).total_seconds()
