"""Scheduling for broadcaster: when announcements fire, catch-up after downtime, quiet hours.

Imports nothing else of ours; the core hands ``ScheduleRunner`` a callback.
"""

from schedules.catchup import CatchUp, catch_up
from schedules.quiet import QuietHours
from schedules.runner import DEFAULT_MISFIRE_GRACE, FireCallback, ScheduleRunner
from schedules.spec import (
    DEFAULT_TIMEZONE,
    ScheduleError,
    ScheduleKind,
    ScheduleSpec,
    next_fire_time,
)

__all__ = [
    "DEFAULT_MISFIRE_GRACE",
    "DEFAULT_TIMEZONE",
    "CatchUp",
    "FireCallback",
    "QuietHours",
    "ScheduleError",
    "ScheduleKind",
    "ScheduleRunner",
    "ScheduleSpec",
    "catch_up",
    "next_fire_time",
]
