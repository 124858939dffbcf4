"""Gathering a forecast: the announcement (or its running dispatch), one store read of counts
per account, each account's declared limits and pacing, the service's quiet hours."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from content.model import Announcement, Priority
from schedules.spec import load_zone

from ..adapter import Adapter, RenderContext
from ..config import Settings
from ..store.contract import Store
from ..store.records import Dispatch, DispatchStatus, ScheduleStatus
from .model import AccountInput, Forecast, build_forecast

_RUNNING = (DispatchStatus.planning, DispatchStatus.sending)


async def next_firing(store: Store, announcement_id: int, now: datetime) -> datetime | None:
    """When the announcement's active schedules fire next after ``now`` (None: none waits;
    a ``now`` schedule fires at once)."""
    from schedules.spec import ScheduleSpec, next_fire_time

    times = []
    for record in await store.list_schedules(ScheduleStatus.active, announcement_id):
        if record.kind == "once" and record.run_at is not None:
            spec = ScheduleSpec.at(record.run_at, record.timezone)
        elif record.kind == "cron" and record.cron is not None:
            spec = ScheduleSpec.crontab(record.cron, record.timezone)
        else:
            return None  # fires now
        at = next_fire_time(spec, now)
        if at is not None:
            times.append(at)
    return min(times, default=None)


async def running_dispatch(store: Store, announcement_id: int) -> Dispatch | None:
    """The announcement's newest dispatch still planning or sending (None: none)."""
    found = await store.list_dispatches(_RUNNING, announcement_id=announcement_id, limit=1)
    return found[0] if found else None


def messages_per_group(adapter: Adapter, content: Announcement, ctx: RenderContext) -> int:
    """How many messages one group gets on this adapter (the Indonesian rendering)."""
    try:
        return max(1, len(adapter.render(content, "id", ctx)))
    except Exception:  # a rendering problem is the sender's to report; count one message
        return 1


async def forecast_for(
    store: Store,
    settings: Settings,
    adapters: Mapping[str, Adapter],
    announcement_id: int,
    now: datetime | None = None,
) -> Forecast:
    """The reach forecast of an announcement: of its running dispatch (what remains) when it
    has one, else of its resolved target as it would be sent now — or, when a schedule of it
    fires later, from then on (seconds still counted from ``now``)."""
    now = now or datetime.now(UTC)
    record = await store.get_announcement(announcement_id)
    dispatch = await running_dispatch(store, announcement_id)
    priority = dispatch.priority if dispatch is not None else record.content.priority
    target = (
        dispatch.target if dispatch is not None else record.content.target.model_dump(mode="json")
    )
    days = {
        name: now.astimezone(load_zone(a.pacing.timezone)).date().isoformat()
        for name, a in adapters.items()
        if a.pacing.daily_cap is not None
    }
    counts = await store.forecast_counts(
        target, priority.rank, dispatch.id if dispatch is not None else None, days
    )
    ctx = RenderContext(announcement_id=record.id, short_code=record.short_code)
    engine = settings.engine
    inputs = []
    for c in counts:
        adapter = adapters.get(c.account)
        if adapter is None:
            inputs.append(AccountInput(counts=c, channel=None))
            continue
        limits = adapter.limits
        account = settings.accounts.get(c.account)
        if account is not None and account.limits:
            limits = limits.override(account.limits)
        inputs.append(
            AccountInput(
                counts=c,
                channel=adapter.channel,
                limits=limits,
                pacing=adapter.pacing,
                messages=messages_per_group(adapter, record.content, ctx),
                margin=engine.rate_margin,
                max_in_flight=engine.max_in_flight,
            )
        )
    starts = None if dispatch is not None else await next_firing(store, record.id, now)
    quiet = settings.quiet_hours()
    held_by_quiet = priority.rank < Priority.emergency.rank and quiet.enabled
    return build_forecast(
        announcement_id=record.id,
        dispatch_id=dispatch.id if dispatch is not None else None,
        priority=str(priority),
        now=now,
        accounts=inputs,
        service_quiet=quiet if held_by_quiet else None,
        starts_in=0.0 if starts is None else max(0.0, (starts - now).total_seconds()),
    )
