"""Scheduling for broadcaster: when announcements fire, catch-up after downtime, quiet hours.

Imports nothing else of ours; the core hands ``ScheduleRunner`` a callback.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from schedules.catchup import CatchUp, catch_up
    from schedules.quiet import QuietHours
    from schedules.runner import DEFAULT_MISFIRE_GRACE, FireCallback, ScheduleRunner
    from schedules.spec import ScheduleKind, ScheduleSpec, next_fire_time
    from schedules.zones import DEFAULT_TIMEZONE, ScheduleError

# Names are imported from their modules on first use (PEP 562), so importing one light module of
# this package (say, the model) does not import all of it.
_EXPORTS = {
    "CatchUp": "schedules.catchup",
    "catch_up": "schedules.catchup",
    "QuietHours": "schedules.quiet",
    "DEFAULT_MISFIRE_GRACE": "schedules.runner",
    "FireCallback": "schedules.runner",
    "ScheduleRunner": "schedules.runner",
    "DEFAULT_TIMEZONE": "schedules.zones",
    "ScheduleError": "schedules.zones",
    "ScheduleKind": "schedules.spec",
    "ScheduleSpec": "schedules.spec",
    "next_fire_time": "schedules.spec",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


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
