"""When the n-th message of an account goes out: a constant spacing between messages, bent by
closed windows (quiet hours) and a daily cap per local day. Pure functions over numbers and
clocks; :mod:`.model` builds the forecast on them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from schedules.quiet import QuietHours
from schedules.spec import load_zone

#: the calendar is not followed further than this (seconds): "more than a year" is the answer
HORIZON = 366 * 86400.0


@dataclass(frozen=True, kw_only=True)
class Calendar:
    """How an account sends from ``start`` (seconds from ``now``) on."""

    now: datetime  # aware
    interval: float  # seconds between two grants (0: no limit)
    start: float = 0.0  # the account may not send before (a hold)
    quiet: tuple[QuietHours, ...] = ()  # nothing is sent inside any of them
    daily_cap: int | None = None
    sent_today: int = 0  # already counted against the cap on the local day of ``now``
    cap_timezone: str = "Asia/Jakarta"


@dataclass
class Passage:
    """What the messages met on their way: for naming the limits that bind."""

    quiet: set[int] = field(default_factory=set)  # indexes into Calendar.quiet crossed
    cap_days: int = 0  # local midnights waited for because of the daily cap


def _quiet_end(cal: Calendar, t: float, passage: Passage) -> float:
    """``t``, or the end of the quiet windows that contain it (seconds from now)."""
    for _ in range(8):  # overlapping windows: follow them until none holds
        moved = False
        at = cal.now + timedelta(seconds=t)
        for index, quiet in enumerate(cal.quiet):
            if quiet.enabled and quiet.is_quiet(at):
                t = (quiet.ends_at(at) - cal.now).total_seconds()
                at = cal.now + timedelta(seconds=t)
                passage.quiet.add(index)
                moved = True
        if not moved:
            break
    return t


def _next_quiet_start(cal: Calendar, t: float) -> float:
    """Seconds from now until the next quiet window opens after ``t`` (inf: none)."""
    at = cal.now + timedelta(seconds=t)
    best = math.inf
    for quiet in cal.quiet:
        if not quiet.enabled:
            continue
        zone = load_zone(quiet.timezone)
        local = at.astimezone(zone)
        for days in range(3):
            opens = datetime.combine(local.date() + timedelta(days=days), quiet.start, zone)
            if opens > at:
                best = min(best, (opens - cal.now).total_seconds())
                break
    return best


def _next_midnight(cal: Calendar, t: float) -> float:
    zone = load_zone(cal.cap_timezone)
    local = (cal.now + timedelta(seconds=t)).astimezone(zone)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), zone)
    return (midnight - cal.now).total_seconds()


def grant_time(cal: Calendar, n: int, passage: Passage | None = None) -> float:
    """Seconds from ``now`` until the ``n``-th message (1-based) is granted; inf past
    :data:`HORIZON`. Messages are granted ``interval`` apart from ``start``; none inside a
    quiet window; at most ``daily_cap`` per local day (``sent_today`` already used today)."""
    passage = passage if passage is not None else Passage()
    if n <= 0:
        return 0.0
    t, left = max(0.0, cal.start), n
    cap = cal.daily_cap
    budget = math.inf if cap is None else max(0, cap - cal.sent_today)
    # the end of the local day the budget belongs to (a new day brings the whole cap again)
    day_end = math.inf if cap is None else _next_midnight(cal, 0.0)
    while t <= HORIZON:
        t = _quiet_end(cal, t, passage)
        if cap is not None and t >= day_end:
            budget, day_end = cap, _next_midnight(cal, t)
        if budget <= 0:
            t = day_end
            passage.cap_days += 1
            continue
        end = min(_next_quiet_start(cal, t), day_end)
        # messages that start before the window closes (end > t: t is not quiet)
        fits = (
            math.inf
            if cal.interval <= 0 or math.isinf(end)
            else math.ceil((end - t) / cal.interval)
        )
        take = min(left, fits, budget)
        if take >= left:
            return t + (left - 1) * cal.interval
        taken = int(take)
        left -= taken
        budget -= taken
        t += taken * cal.interval
        if take == fits:
            t = max(t, end)
    return math.inf
