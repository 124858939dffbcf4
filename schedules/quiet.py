"""Quiet hours: a daily wall-clock window in which routine messages wait.

The window is ``[start, end)`` in local wall time and may wrap past midnight (the default
21:00-05:30 does). ``start == end`` disables it.

Indonesian zones have no daylight saving time, so there wall time and elapsed time agree.
Other zones are supported with one approximation: a DST jump that carries the wall clock
across ``start`` or ``end`` is not treated as a boundary, so ``ends_at`` can then be late by
the size of the jump. Its guarantees (never a quiet instant; ``now`` exactly when not quiet)
hold in every zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from schedules.zones import DEFAULT_TIMEZONE, ScheduleError, load_zone, require_aware

_RANGE = re.compile(r"\s*([0-9]{1,2})[:.]([0-9]{2})\s*[-–]\s*([0-9]{1,2})[:.]([0-9]{2})\s*")
_OFF_WORDS = ("off", "none", "mati")


@dataclass(frozen=True)
class QuietHours:
    """Daily quiet window ``[start, end)`` in ``timezone`` wall time (naive ``time`` values)."""

    start: time = time(21, 0)
    end: time = time(5, 30)
    timezone: str = DEFAULT_TIMEZONE

    def __post_init__(self) -> None:
        load_zone(self.timezone)
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ScheduleError("quiet hours take wall-clock times without tzinfo; set timezone")

    @property
    def enabled(self) -> bool:
        """False when ``start == end``: the window is empty."""
        return self.start != self.end

    def is_quiet(self, now: datetime) -> bool:
        """Whether the aware instant ``now`` falls inside the quiet window."""
        require_aware(now, "now")
        wall = self._local(now).time()
        if self.start <= self.end:
            return self.start <= wall < self.end
        return wall >= self.start or wall < self.end

    def ends_at(self, now: datetime) -> datetime:
        """When the quiet period containing ``now`` ends; ``now`` itself if not quiet.

        The result is aware (in ``timezone``), later than ``now`` when quiet, never itself
        quiet, and in a zone without DST at most 24 hours ahead.
        """
        if not self.is_quiet(now):
            return now
        tz = load_zone(self.timezone)
        now_utc = now.astimezone(UTC)
        today = self._local(now).date()
        # Candidates are ``end`` on the next few days, both folds (a wall time repeated by a
        # DST fall-back exists twice). Compare in UTC: aware datetimes sharing a tzinfo are
        # compared by wall time, which is wrong across folds. ``end`` itself is never quiet,
        # so a real (non-skipped) ``end`` within two days always qualifies.
        candidates = (
            datetime.combine(today + timedelta(days=days), self.end, tzinfo=tz)
            .replace(fold=fold)
            .astimezone(UTC)
            for days in range(3)
            for fold in (0, 1)
        )
        return min(c for c in candidates if c > now_utc and not self.is_quiet(c)).astimezone(tz)

    @classmethod
    def parse(cls, text: str, timezone: str = DEFAULT_TIMEZONE) -> QuietHours:
        """Parse ``"21:00-05:30"`` (``21.00-05.30`` also works) or ``off``/``none``/``mati``.

        Raises ``ScheduleError`` quoting the text and saying what is wrong.
        """
        if text.strip().lower() in _OFF_WORDS:
            return cls(time(0, 0), time(0, 0), timezone)
        match = _RANGE.fullmatch(text)
        if match is None:
            raise ScheduleError(
                f"invalid quiet hours {text!r}: expected HH:MM-HH:MM, e.g. 21:00-05:30"
            )
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        for hour, minute in ((h1, m1), (h2, m2)):
            if hour > 23 or minute > 59:
                raise ScheduleError(
                    f"invalid quiet hours {text!r}: {hour:02d}:{minute:02d} is not a time of day "
                    "(hours 00-23, minutes 00-59)"
                )
        return cls(time(h1, m1), time(h2, m2), timezone)

    def _local(self, instant: datetime) -> datetime:
        # Via UTC so a non-existent wall time handed in (DST gap) is normalised first.
        return instant.astimezone(UTC).astimezone(load_zone(self.timezone))
