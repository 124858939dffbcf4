"""Time zones and the schedule error: what validating a zone or a time needs, without the
scheduler library (the service's config checks its time zone and quiet hours with these)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Asia/Jakarta"


class ScheduleError(ValueError):
    """A schedule, crontab expression, time zone or quiet-hours text is invalid.

    The message is meant for the person who typed it: it quotes the input and says what is
    wrong with it.
    """


def load_zone(key: str) -> ZoneInfo:
    """Return the IANA time zone ``key``; raise ``ScheduleError`` if it does not exist."""
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(
            f"unknown time zone {key!r}; use an IANA name such as 'Asia/Jakarta'"
        ) from exc


def require_aware(value: datetime, what: str) -> None:
    """Raise ``ScheduleError`` unless ``value`` carries a UTC offset (naive times are ambiguous)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ScheduleError(f"{what} must be timezone-aware, got naive {value.isoformat()}")
