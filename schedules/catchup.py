"""What to do about schedules whose fire times passed while the service was down.

Pure functions of the stored schedule and the clock: the core calls ``catch_up`` for each
active schedule at start-up, before handing future fire times to the runner (which only
ever looks forward for cron schedules).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from schedules.spec import ScheduleError, ScheduleKind, ScheduleSpec, next_fire_time, require_aware

# ``next_fire_time`` is strictly-after; stepping back this much makes a bound inclusive.
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class CatchUp:
    """The decision for one schedule.

    ``fire_now``: send one firing now, for the scheduled time ``fire_time`` (use it with the
    schedule id as the de-duplication key). ``missed``: at least one fire time passed too
    long ago (beyond the grace) to honour; nothing is sent and, for a cron schedule, the
    schedule stays active. ``fire_time`` is ``None`` unless ``fire_now``. ``reason`` is a
    short English explanation for logs and the audit trail.
    """

    fire_now: bool
    missed: bool
    fire_time: datetime | None
    reason: str


def catch_up(
    spec: ScheduleSpec,
    last_fired_at: datetime | None,
    created_at: datetime,
    now: datetime,
    grace: timedelta,
) -> CatchUp:
    """Decide whether a schedule owes a firing after downtime.

    ``last_fired_at`` is the scheduled time of the last firing (or when it actually fired;
    either works), ``None`` if it never fired. All datetimes must be aware.

    * ``now``: fires (for ``created_at``) if it never fired.
    * ``once``: if ``run_at`` has passed and it never fired, fires when ``now - run_at <=
      grace``, otherwise it is missed.
    * ``cron``: fire times in ``(last_fired_at or created_at, now]`` are coalesced into one
      firing for the latest of them if that one is within ``grace`` of ``now``; otherwise
      they are reported missed.
    """
    for value, what in ((created_at, "created_at"), (now, "now")):
        require_aware(value, what)
    if last_fired_at is not None:
        require_aware(last_fired_at, "last_fired_at")
    if grace < timedelta(0):
        raise ScheduleError(f"grace must not be negative, got {grace}")
    if spec.kind is ScheduleKind.now:
        if last_fired_at is None:
            return CatchUp(True, False, created_at, "send-now schedule never fired")
        return CatchUp(False, False, None, "send-now schedule already fired")
    if spec.run_at is not None:
        return _once(spec.run_at, last_fired_at, now, grace)
    return _recurring(spec, last_fired_at or created_at, now, grace)


def _once(
    run_at: datetime, last_fired_at: datetime | None, now: datetime, grace: timedelta
) -> CatchUp:
    if last_fired_at is not None:
        return CatchUp(False, False, None, f"already fired at {last_fired_at.isoformat()}")
    if run_at > now:
        return CatchUp(False, False, None, f"not due until {run_at.isoformat()}")
    late = now - run_at
    if late <= grace:
        return CatchUp(
            True, False, run_at, f"{run_at.isoformat()} is {late} late, within grace {grace}"
        )
    return CatchUp(
        False, True, None, f"{run_at.isoformat()} missed by {late}, beyond grace {grace}"
    )


def _recurring(spec: ScheduleSpec, since: datetime, now: datetime, grace: timedelta) -> CatchUp:
    first = next_fire_time(spec, since)
    if first is None or first > now:
        return CatchUp(False, False, None, f"no fire time passed since {since.isoformat()}")
    # Only fire times inside the grace window can be honoured, so walk just that window
    # (a long outage of an every-minute schedule would otherwise mean thousands of steps).
    latest: datetime | None = None
    candidate = next_fire_time(spec, max(since, now - grace - _TICK))
    while candidate is not None and candidate <= now:
        latest = candidate
        candidate = next_fire_time(spec, candidate)
    if latest is None:
        return CatchUp(
            False,
            True,
            None,
            f"missed fire times from {first.isoformat()}, none within grace {grace}",
        )
    return CatchUp(
        True,
        False,
        latest,
        f"coalesced missed fire times from {first.isoformat()} into {latest.isoformat()}",
    )
