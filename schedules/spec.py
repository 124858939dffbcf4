"""What a schedule is: send now, once at an instant, or on a crontab recurrence.

A ``ScheduleSpec`` is plain, frozen data the core stores next to an announcement; it is
validated on construction, so a spec that exists is one the runner can run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from apscheduler.triggers.date import DateTrigger

from schedules.cron import CronFields, Trigger, cron_trigger, parse_crontab
from schedules.describe import describe_cron, describe_once
from schedules.zones import DEFAULT_TIMEZONE as DEFAULT_TIMEZONE
from schedules.zones import ScheduleError as ScheduleError
from schedules.zones import load_zone as load_zone
from schedules.zones import require_aware as require_aware

_CRON_PREFIX = "cron:"
_NOW_WORDS = ("now", "sekarang")


class ScheduleKind(StrEnum):
    """How a schedule fires: immediately, once at ``run_at``, or on a crontab recurrence."""

    now = "now"
    once = "once"
    cron = "cron"


@dataclass(frozen=True)
class ScheduleSpec:
    """A validated schedule.

    Invariants (checked on construction, ``ScheduleError`` otherwise): ``timezone`` is a
    known IANA zone; ``kind == once`` exactly when ``run_at`` is set, and ``run_at`` is
    aware; ``kind == cron`` exactly when ``cron`` is set, and it is a valid 5-field crontab
    expression (crontab semantics, weekday 0 = Sunday) evaluated in ``timezone``. The
    expression is stored with whitespace normalised.

    The constructor for cron specs is ``crontab()`` because ``cron`` is the field name.
    """

    kind: ScheduleKind
    run_at: datetime | None = None
    cron: str | None = None
    timezone: str = DEFAULT_TIMEZONE

    def __post_init__(self) -> None:
        # Frozen dataclass: normalise through object.__setattr__, once, at construction.
        kind = _coerce_kind(self.kind)
        object.__setattr__(self, "kind", kind)
        load_zone(self.timezone)
        if (self.run_at is not None) != (kind is ScheduleKind.once):
            raise ScheduleError(f"run_at must be set exactly for 'once' schedules (kind {kind})")
        if (self.cron is not None) != (kind is ScheduleKind.cron):
            raise ScheduleError(f"cron must be set exactly for 'cron' schedules (kind {kind})")
        if self.run_at is not None:
            require_aware(self.run_at, "run_at")
        if self.cron is not None:
            object.__setattr__(self, "cron", self.cron_fields().expr)
            self._cron_trigger()  # APScheduler must accept it too, so a spec that exists can run

    @classmethod
    def now(cls, tz: str = DEFAULT_TIMEZONE) -> ScheduleSpec:
        """Fire as soon as the runner gets it."""
        return cls(ScheduleKind.now, timezone=tz)

    @classmethod
    def at(cls, when: datetime, tz: str = DEFAULT_TIMEZONE) -> ScheduleSpec:
        """Fire once at the aware instant ``when``; ``tz`` is used to describe it."""
        return cls(ScheduleKind.once, run_at=when, timezone=tz)

    @classmethod
    def crontab(cls, expr: str, tz: str = DEFAULT_TIMEZONE) -> ScheduleSpec:
        """Fire on the crontab expression ``expr`` (e.g. ``"0 7 * * 1-5"``) evaluated in ``tz``."""
        return cls(ScheduleKind.cron, cron=expr, timezone=tz)

    @classmethod
    def parse(cls, text: str, tz: str, now: datetime) -> ScheduleSpec:
        """Parse what a person typed: ``now`` (or ``sekarang``), an ISO-8601 datetime, or
        ``cron:<expr>``.

        A naive datetime is read as wall time in ``tz``. Raises ``ScheduleError`` for
        unrecognised text, a datetime before ``now``, or a bad crontab expression (including
        a day/month pair that never occurs, so every accepted expression fires again).
        """
        require_aware(now, "now")
        stripped = text.strip()
        if stripped.lower() in _NOW_WORDS:
            return cls.now(tz)
        if stripped.lower().startswith(_CRON_PREFIX):
            return cls.crontab(stripped[len(_CRON_PREFIX) :], tz)
        try:
            when = datetime.fromisoformat(stripped)
        except ValueError:
            raise ScheduleError(
                f"invalid schedule {text!r}: expected 'now', an ISO-8601 datetime such as "
                "'2025-05-05T07:00' or 'cron:<minute hour day month weekday>'"
            ) from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=load_zone(tz))
        if when < now:
            raise ScheduleError(
                f"schedule time {when.isoformat()} is in the past (now {now.isoformat()})"
            )
        return cls.at(when, tz)

    def cron_fields(self) -> CronFields:
        """The parsed crontab fields of a ``cron`` spec (``ScheduleError`` for other kinds)."""
        if self.cron is None:
            raise ScheduleError(f"a {self.kind} schedule has no cron expression")
        try:
            return parse_crontab(self.cron)
        except ValueError as exc:
            raise ScheduleError(f"invalid cron expression {self.cron!r}: {exc}") from exc

    def _cron_trigger(self) -> Trigger:
        """The APScheduler trigger of a ``cron`` spec (``ScheduleError`` for other kinds)."""
        try:
            return cron_trigger(self.cron_fields(), load_zone(self.timezone))
        except ScheduleError:
            raise
        except ValueError as exc:
            raise ScheduleError(f"invalid cron expression {self.cron!r}: {exc}") from exc

    def describe(self, lang: Literal["id", "en"] = "id") -> str:
        """Human text, e.g. ``setiap Senin–Jumat pukul 07.00 WIB`` / ``every day at 07:00 WIB``."""
        if lang not in ("id", "en"):
            raise ScheduleError(f"unsupported language {lang!r}; use 'id' or 'en'")
        if self.run_at is not None:
            return describe_once(
                self.run_at.astimezone(load_zone(self.timezone)), self.timezone, lang
            )
        if self.cron is not None:
            return describe_cron(self.cron_fields(), self.timezone, lang)
        return "segera" if lang == "id" else "immediately"


def build_trigger(spec: ScheduleSpec, now: datetime) -> Trigger:
    """The APScheduler trigger for ``spec``; a ``now`` spec becomes a one-off at ``now``."""
    if spec.cron is not None:
        return spec._cron_trigger()
    date: Trigger = DateTrigger(run_date=spec.run_at or now, timezone=load_zone(spec.timezone))
    return date


def next_fire_time(spec: ScheduleSpec, after: datetime) -> datetime | None:
    """The first fire time strictly after the aware instant ``after``, or ``None``.

    A ``once`` spec gives ``run_at`` if it is later than ``after``. A ``now`` spec has no
    fire time of its own (it fires when handed to the runner), so it gives ``None``. Cron
    fire times are whole minutes in the spec's time zone.
    """
    require_aware(after, "after")
    if spec.kind is ScheduleKind.now:
        return None
    if spec.run_at is not None:
        return spec.run_at if spec.run_at > after else None
    # Passing ``after`` as the previous fire time makes APScheduler search strictly later.
    return build_trigger(spec, after).get_next_fire_time(after, after)


def _coerce_kind(kind: ScheduleKind | str) -> ScheduleKind:
    # Specs are rebuilt from stored rows, where the kind arrives as a plain string.
    try:
        return ScheduleKind(kind)
    except ValueError:
        raise ScheduleError(f"unknown schedule kind {kind!r}; use now, once or cron") from None
