"""Anti-ban pacing on top of the core's limiter: random jitter before each message, quiet
hours and a daily cap per number. The core's limiter already spaces messages
(``min_interval``, ``group_interval`` become the account's limits)."""

from __future__ import annotations

import asyncio
import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from broadcaster.errors import RateLimited

from .settings import WahaSettings


class Pacer:
    def __init__(self, settings: WahaSettings) -> None:
        self.settings = settings
        self.zone = ZoneInfo(settings.timezone)
        self._day: date | None = None
        self.sent_today = 0

    def _now(self) -> datetime:
        return datetime.now(self.zone)

    async def before_send(self) -> None:
        """Wait the jitter, or raise RateLimited (the whole number waits) in quiet hours or
        once the daily cap is reached."""
        now = self._now()
        quiet = self.settings.quiet_hours
        if quiet is not None and _inside(now.time(), *quiet):
            wait = _until(now, quiet[1])
            raise RateLimited(f"quiet hours until {quiet[1]:%H:%M}", retry_after=wait)
        if self._day != now.date():
            self._day, self.sent_today = now.date(), 0
        if self.sent_today >= self.settings.daily_cap:
            wait = _until(now, time(0, 0))
            raise RateLimited(
                f"daily cap of {self.settings.daily_cap} messages reached", retry_after=wait
            )
        self.sent_today += 1
        if self.settings.jitter > 0:
            await asyncio.sleep(random.uniform(0, self.settings.jitter))


def _inside(moment: time, start: time, end: time) -> bool:
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


def _until(now: datetime, at: time) -> float:
    target = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    return (target - now).total_seconds()
