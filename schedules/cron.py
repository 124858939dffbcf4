"""Standard 5-field crontab expressions, parsed here and run by APScheduler 3 triggers.

We do not hand the text straight to ``CronTrigger.from_crontab`` because APScheduler 3
differs from crontab(5) in two ways that would silently move announcements:

* it numbers weekdays from Monday = 0, so crontab's ``1-5`` (Monday-Friday) would mean
  Tuesday-Saturday;
* it ANDs day-of-month with day-of-week, while cron fires when *either* matches if both
  are restricted (``0 7 1 * 1`` is "the 1st, and every Monday").

So this module expands every field itself (clear errors, crontab semantics) and gives
APScheduler only explicit value lists, with weekdays as names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
WEEKDAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab order: Sunday = 0
# February counts 29 days: a 29 Feb schedule is rare but does fire.
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class Trigger(Protocol):
    """The typed face of an APScheduler 3 trigger (the library itself is untyped)."""

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None: ...


@dataclass(frozen=True)
class CronFields:
    """A parsed crontab expression: the value sets each field allows.

    ``weekdays`` uses crontab numbering (0 = Sunday; 7 is folded into 0). The two
    ``*_restricted`` flags follow Vixie cron: a field is restricted unless its text starts
    with ``*``; when both are restricted a day matches if either field matches.
    """

    expr: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    day_restricted: bool
    weekday_restricted: bool


def parse_crontab(expr: str) -> CronFields:
    """Parse ``minute hour day-of-month month day-of-week``.

    Supports ``*``, numbers, ranges ``a-b``, steps ``*/n`` and ``a-b/n``, comma lists, and
    names ``jan``-``dec`` / ``sun``-``sat``. Raises ``ValueError`` with a message naming the
    field (for example ``minute must be 0-59, got '61'``) and also when the day/month
    combination never occurs (``30 2``).
    """
    parts = expr.split()
    if len(parts) != 5:
        raise ValueError(
            f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(parts)}"
        )
    minute, hour, day, month, weekday = parts
    fields = CronFields(
        expr=" ".join(parts),
        minutes=_expand(minute, "minute", 0, 59, ()),
        hours=_expand(hour, "hour", 0, 23, ()),
        days=_expand(day, "day of month", 1, 31, ()),
        months=_expand(month, "month", 1, 12, MONTH_NAMES, first_name_value=1),
        weekdays=frozenset(d % 7 for d in _expand(weekday, "day of week", 0, 7, WEEKDAY_NAMES)),
        day_restricted=not day.startswith("*"),
        weekday_restricted=not weekday.startswith("*"),
    )
    # Also guards APScheduler, which would search up to the year 9999 for such a date.
    if not any(d <= _MONTH_DAYS[m - 1] for m in fields.months for d in fields.days):
        raise ValueError(f"day of month {day} never occurs in month {month}")
    return fields


def cron_trigger(fields: CronFields, tz: ZoneInfo) -> Trigger:
    """Build the APScheduler trigger for ``fields`` in time zone ``tz``.

    Raises ``ValueError`` (APScheduler's own message) if APScheduler rejects the translated
    fields, which would be a bug in this module rather than in the input.
    """
    minute = _aps_list(fields.minutes, 60)
    hour = _aps_list(fields.hours, 24)
    day = _aps_list(fields.days, 31)
    month = _aps_list(fields.months, 12)
    weekday = (
        "*"
        if len(fields.weekdays) == 7
        else ",".join(WEEKDAY_NAMES[d] for d in sorted(fields.weekdays))
    )
    if fields.day_restricted and fields.weekday_restricted:
        either: Trigger = OrTrigger(
            [
                CronTrigger.from_crontab(f"{minute} {hour} {day} {month} *", timezone=tz),
                CronTrigger.from_crontab(f"{minute} {hour} * {month} {weekday}", timezone=tz),
            ]
        )
        return either
    both: Trigger = CronTrigger.from_crontab(
        f"{minute} {hour} {day} {month} {weekday}", timezone=tz
    )
    return both


def _aps_list(values: frozenset[int], size: int) -> str:
    return "*" if len(values) == size else ",".join(str(v) for v in sorted(values))


def _expand(
    text: str, field: str, low: int, high: int, names: tuple[str, ...], first_name_value: int = 0
) -> frozenset[int]:
    values: set[int] = set()
    for term in text.split(","):
        base, has_step, step_text = term.partition("/")
        step = 1
        if has_step:
            if not (step_text.isascii() and step_text.isdigit()) or int(step_text) == 0:
                raise ValueError(f"{field} step must be a positive number, got {step_text!r}")
            step = int(step_text)
        if base == "*":
            first, last = low, high
        else:
            first_text, has_range, last_text = base.partition("-")
            if has_step and not has_range:
                raise ValueError(
                    f"{field} step {term!r} needs '*' or a range before '/', e.g. */15 or 0-30/5"
                )
            first = _value(first_text, field, low, high, names, first_name_value)
            last = (
                _value(last_text, field, low, high, names, first_name_value) if has_range else first
            )
            if first > last:
                raise ValueError(f"{field} range {base!r} runs backwards")
        values.update(range(first, last + 1, step))
    return frozenset(values)


def _value(
    text: str, field: str, low: int, high: int, names: tuple[str, ...], first_name_value: int
) -> int:
    allowed = f"{low}-{high}" + (f" or {names[0]}-{names[-1]}" if names else "")
    if text.lower() in names:
        return names.index(text.lower()) + first_name_value
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise ValueError(f"{field} must be {allowed}, got {text!r}")
    return int(text)
