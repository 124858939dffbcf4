"""The reach forecast's model: pure functions from counts and declared limits to the seconds
until 50 %, 95 % and 100 % of an announcement's groups are reached, per account and overall.

What the sender does, modelled (see docs/emergency.md for what is not):

* one account's messages are granted one *interval* apart — the larger of the spread of its
  rate (``1 / global_per_second``), its sliding window, which a send occupies from its grant
  until a window after its answer (so the jitter a WAHA number waits inside ``send`` and the
  provider's round trip add to it), and ``max_in_flight`` concurrent sends;
* a group of several messages (text split, a poll) waits ``per_address_interval`` (or the
  per-minute cap) between its parts;
* deliveries of other dispatches queued ahead (higher priority, or older at the same) go first;
* nothing is sent in quiet hours (the service's, for everything below emergency; the number's,
  always), nor past the daily cap of the number, nor while the account is held.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from schedules.quiet import QuietHours

from ..adapter import Limits, Pacing
from ..store.contract.forecast import AccountCounts
from .calendar import Calendar, Passage, grant_time

PERCENTS = (50, 95, 100)
#: a next part that waits longer than this for its group is parked and the sender goes on
#: with other groups (broadcaster.engine.sender.PARK_AFTER)
PARK_AFTER = 2.0
#: work queued ahead is worth a warning when it delays the last group by at least this much
AHEAD_WARN = 60.0
#: spacing the parts of a group is worth a warning when it adds at least this much (and 10 %)
GROUP_WARN = 30.0
#: an account slower than this to reach every group gets a warning naming its rate
SLOW_WARN = 3600.0


@dataclass(frozen=True, kw_only=True)
class AccountInput:
    """One account's side of a forecast: its counts and what it declared."""

    counts: AccountCounts
    channel: str | None  # None: the account is not configured (nothing will send)
    limits: Limits = field(default_factory=Limits)
    pacing: Pacing = field(default_factory=Pacing)
    messages: int = 1  # messages per group (rendered parts)
    margin: float = 0.0  # [engine] rate_margin
    max_in_flight: int = 64
    latency: float = 0.0  # assumed provider round trip, seconds


@dataclass(frozen=True, kw_only=True)
class Limit:
    """One limit that applies to the account; ``binding``: it shapes the forecast."""

    kind: str  # rate | group_interval | group_per_minute | jitter | daily_cap | quiet_hours |
    #            service_quiet_hours | queued_ahead | held | concurrency | none
    value: Any
    binding: bool


@dataclass(frozen=True, kw_only=True)
class Note:
    """A warning a person can act on: a text key of content.i18n_forecast and its values."""

    key: str
    params: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class AccountForecast:
    account: str
    channel: str | None
    groups: int  # of the announcement on this account
    remaining: int
    messages_per_group: int
    ahead: int
    interval: float  # seconds between two messages of the account
    limits: list[Limit]
    eta: dict[int, float]  # percent → seconds from now (inf: not within the horizon)
    notes: list[Note]


@dataclass(frozen=True, kw_only=True)
class Forecast:
    announcement_id: int
    dispatch_id: int | None
    priority: str
    at: datetime
    groups: int
    remaining: int
    starts_in: float  # seconds until its schedule fires (0: now, or already sending)
    accounts: list[AccountForecast]
    eta: dict[int, float]
    notes: list[Note]


def interval_of(a: AccountInput) -> tuple[float, str]:
    """Seconds between two grants of the account and the limit that sets it."""
    tail = a.latency + a.pacing.jitter / 2
    terms = {"concurrency": tail / max(1, a.max_in_flight), "none": 0.0}
    rate = a.limits.global_per_second
    if rate is not None and rate > 0:
        span = 1.0 if rate >= 1 else 1.0 / rate
        capacity = max(1, math.floor(rate))
        terms["rate"] = 1.0 / rate
        # the window holds each send from its grant until `span` after its answer
        window = (span + a.margin + tail) / capacity
        terms["jitter" if a.pacing.jitter > 0 else "rate"] = max(terms["rate"], window)
    kind = max(terms, key=lambda k: terms[k])
    return (terms[kind], kind) if terms[kind] > 0 else (0.0, "none")


def part_spacing(limits: Limits, margin: float, messages: int) -> float:
    """Seconds between two parts to one group (on average, over a group's ``messages``)."""
    spacing = 0.0
    if limits.per_address_interval is not None:
        spacing = limits.per_address_interval + margin
    per_minute = limits.per_address_per_minute
    if per_minute is not None and per_minute > 0 and messages > per_minute:
        # a sliding minute takes per_minute parts back to back, then waits for the window
        windows = (messages - 1) // per_minute
        spacing = max(spacing, windows * (60.0 + margin) / (messages - 1))
    return spacing


@dataclass(frozen=True)
class _Account:
    """The timing of one account: when its k-th remaining group is reached."""

    cal: Calendar
    ahead: int
    messages: int
    spacing: float
    tail: float
    blocked: bool

    def group_eta(self, k: int, passage: Passage | None = None) -> float:
        if k <= 0:
            return 0.0
        if self.blocked:
            return math.inf
        m, q = self.messages, self.ahead
        last = grant_time(self.cal, q + k * m, passage)
        if m > 1 and self.spacing > 0:
            # parked parts let the first parts of later groups go on (see PARK_AFTER)
            first = q + k if self.spacing > PARK_AFTER else q + (k - 1) * m + 1
            last = max(last, grant_time(self.cal, first) + (m - 1) * self.spacing)
        return last + self.tail

    def reached_by(self, t: float, remaining: int) -> int:
        """How many of the remaining groups are reached ``t`` seconds from now."""
        low, high = 0, remaining
        while low < high:
            mid = (low + high + 1) // 2
            if self.group_eta(mid) <= t:
                low = mid
            else:
                high = mid - 1
        return low


def _needed(percent: int, total: int, done: int) -> int:
    return max(0, math.ceil(percent * total / 100) - done)


def _timing(
    a: AccountInput, now: datetime, service_quiet: QuietHours | None, starts_in: float
) -> _Account:
    c, pacing = a.counts, a.pacing
    quiet: list[QuietHours] = [service_quiet] if service_quiet is not None else []
    if pacing.quiet_hours is not None:
        quiet.append(QuietHours(pacing.quiet_hours[0], pacing.quiet_hours[1], pacing.timezone))
    start = starts_in
    if c.held_until is not None and not c.held_endless:
        start = max(start, c.held_until - now.timestamp())
    interval, _ = interval_of(a)
    cal = Calendar(
        now=now,
        interval=interval,
        start=start,
        quiet=tuple(quiet),
        daily_cap=pacing.daily_cap,
        sent_today=c.sent_today,
        cap_timezone=pacing.timezone,
    )
    return _Account(
        cal=cal,
        ahead=c.ahead,
        messages=max(1, a.messages),
        spacing=part_spacing(a.limits, a.margin, max(1, a.messages)),
        tail=a.latency + pacing.jitter / 2,
        blocked=c.held_endless or a.channel is None,
    )


def forecast_account(
    a: AccountInput, now: datetime, service_quiet: QuietHours | None, starts_in: float = 0.0
) -> tuple[AccountForecast, _Account]:
    """The forecast of one account (and its timing, for the overall figures); sending starts
    ``starts_in`` seconds from ``now`` (a schedule that fires later)."""
    c = a.counts
    timing = _timing(a, now, service_quiet, starts_in)
    passage = Passage()
    done = c.total - c.remaining
    eta = {p: timing.group_eta(_needed(p, c.total, done)) for p in PERCENTS[:-1]}
    eta[100] = timing.group_eta(c.remaining, passage)
    interval, kind = interval_of(a)
    limits = _limits(a, timing, passage, kind, eta[100])
    return (
        AccountForecast(
            account=c.account,
            channel=a.channel,
            groups=c.total,
            remaining=c.remaining,
            messages_per_group=timing.messages,
            ahead=c.ahead,
            interval=interval,
            limits=limits,
            eta=eta,
            notes=_notes(a, timing, passage, limits, eta[100], kind),
        ),
        timing,
    )


def _limits(
    a: AccountInput, timing: _Account, passage: Passage, kind: str, last: float
) -> list[Limit]:
    lim, pacing, c = a.limits, a.pacing, a.counts
    out: list[Limit] = []
    if lim.global_per_second is not None:
        out.append(Limit(kind="rate", value=lim.global_per_second, binding=kind == "rate"))
    if pacing.jitter > 0:
        out.append(Limit(kind="jitter", value=pacing.jitter, binding=kind == "jitter"))
    if kind == "concurrency":
        out.append(Limit(kind="concurrency", value=a.max_in_flight, binding=True))
    group_binding = False
    if timing.messages > 1 and timing.spacing > 0 and c.remaining > 0 and not timing.blocked:
        group_binding = last > _plain(timing, c.remaining) + 1e-9
    if lim.per_address_interval is not None:
        out.append(
            Limit(kind="group_interval", value=lim.per_address_interval, binding=group_binding)
        )
    if lim.per_address_per_minute is not None:
        out.append(
            Limit(kind="group_per_minute", value=lim.per_address_per_minute, binding=group_binding)
        )
    if pacing.daily_cap is not None:
        out.append(Limit(kind="daily_cap", value=pacing.daily_cap, binding=passage.cap_days > 0))
    quiet = timing.cal.quiet
    number_index = len(quiet) - 1 if pacing.quiet_hours is not None else None
    for index, window in enumerate(quiet):
        name = "quiet_hours" if index == number_index else "service_quiet_hours"
        value = f"{window.start:%H:%M}-{window.end:%H:%M}"
        out.append(Limit(kind=name, value=value, binding=index in passage.quiet))
    if c.ahead:
        out.append(Limit(kind="queued_ahead", value=c.ahead, binding=True))
    if c.held_reason is not None:
        out.append(Limit(kind="held", value=c.held_reason, binding=True))
    if not out:
        out.append(Limit(kind="none", value=None, binding=False))
    return out


def _notes(
    a: AccountInput,
    timing: _Account,
    passage: Passage,
    limits: Sequence[Limit],
    last: float,
    kind: str,
) -> list[Note]:
    c, name = a.counts, a.counts.account
    binding = {lim.kind for lim in limits if lim.binding}
    notes: list[Note] = []
    if c.remaining == 0:
        return notes
    if a.channel is None:
        return [Note(key="forecast.unconfigured", params={"account": name, "groups": c.remaining})]
    if c.held_endless:
        notes.append(
            Note(key="forecast.held_open", params={"account": name, "reason": c.held_reason})
        )
    elif c.held_until is not None and c.held_until > timing.cal.now.timestamp():
        until = timing.cal.now + timedelta(seconds=c.held_until - timing.cal.now.timestamp())
        notes.append(
            Note(
                key="forecast.held_until",
                params={"account": name, "reason": c.held_reason, "until": until},
            )
        )
    if "daily_cap" in binding:
        notes.append(
            Note(
                key="forecast.daily_cap",
                params={
                    "account": name,
                    "groups": c.remaining,
                    "cap": a.pacing.daily_cap,
                    # the local days on which it sends: today and each midnight waited for
                    "days": passage.cap_days + 1,
                },
            )
        )
    if "quiet_hours" in binding and a.pacing.quiet_hours is not None:
        start, end = a.pacing.quiet_hours
        notes.append(
            Note(key="forecast.number_quiet", params={"account": name, **_span(start, end)})
        )
    extra = last - _plain(timing, c.remaining)
    if ("group_interval" in binding or "group_per_minute" in binding) and extra >= max(
        GROUP_WARN, last / 10
    ):
        notes.append(
            Note(
                key="forecast.group_interval",
                params={
                    "account": name,
                    "messages": timing.messages,
                    "interval": timing.spacing,
                },
            )
        )
    if c.ahead and not timing.blocked:
        without = _without_ahead(timing, c.remaining)
        if last - without >= AHEAD_WARN:
            notes.append(
                Note(
                    key="forecast.ahead",
                    params={"account": name, "count": c.ahead, "delay": last - without},
                )
            )
    # the time the rate alone takes (quiet hours and caps have warnings of their own)
    sending = (c.ahead + c.remaining * timing.messages) * timing.cal.interval
    if kind in ("rate", "jitter") and sending >= SLOW_WARN and "daily_cap" not in binding:
        notes.append(
            Note(
                key="forecast.slow",
                params={
                    "account": name,
                    "groups": c.remaining,
                    "per_minute": 60.0 / timing.cal.interval,
                    "duration": sending,
                },
            )
        )
    return notes


def _span(start: time, end: time) -> dict[str, time]:
    return {"start": start, "end": end}


def _plain(timing: _Account, remaining: int) -> float:
    """When the last group would be reached if its parts needed no spacing."""
    if timing.blocked:
        return math.inf
    n = timing.ahead + remaining * timing.messages
    return grant_time(timing.cal, n) + timing.tail


def _without_ahead(timing: _Account, remaining: int) -> float:
    alone = _Account(
        cal=timing.cal,
        ahead=0,
        messages=timing.messages,
        spacing=timing.spacing,
        tail=timing.tail,
        blocked=timing.blocked,
    )
    return alone.group_eta(remaining)


def overall_eta(parts: Sequence[tuple[AccountForecast, _Account]], percent: int) -> float:
    """Seconds until ``percent`` of all groups of every account are reached, the accounts
    sending side by side."""
    total = sum(f.groups for f, _ in parts)
    done = sum(f.groups - f.remaining for f, _ in parts)
    need = _needed(percent, total, done)
    if need == 0:
        return 0.0
    finite = [f.eta[100] for f, _ in parts if f.eta[100] < math.inf]
    if sum(f.remaining for f, _ in parts if f.eta[100] < math.inf) < need:
        return math.inf
    low, high = 0.0, max(finite, default=0.0)
    for _ in range(48):
        if high - low <= max(1e-3, high * 1e-6):
            break
        mid = (low + high) / 2
        if sum(t.reached_by(mid, f.remaining) for f, t in parts) >= need:
            high = mid
        else:
            low = mid
    # snap to the group completion that got there (exact when one account decides)
    reached = [(t, t.reached_by(high, f.remaining)) for f, t in parts]
    return max((t.group_eta(k) for t, k in reached if k > 0), default=high)


def build_forecast(
    *,
    announcement_id: int,
    dispatch_id: int | None,
    priority: str,
    now: datetime,
    accounts: Sequence[AccountInput],
    service_quiet: QuietHours | None,
    starts_in: float = 0.0,
) -> Forecast:
    """The whole forecast. ``service_quiet``: the service's quiet hours when they hold this
    announcement (None for emergencies or when disabled); ``starts_in``: seconds until its
    schedule fires (0: now)."""
    parts = [forecast_account(a, now, service_quiet, starts_in) for a in accounts]
    notes: list[Note] = []
    if not parts or all(f.groups == 0 for f, _ in parts):
        notes.append(Note(key="forecast.no_groups", params={}))
    crossed = service_quiet is not None and any(
        lim.kind == "service_quiet_hours" and lim.binding for f, _ in parts for lim in f.limits
    )
    if crossed and service_quiet is not None:
        notes.append(
            Note(key="forecast.service_quiet", params=_span(service_quiet.start, service_quiet.end))
        )
    return Forecast(
        announcement_id=announcement_id,
        dispatch_id=dispatch_id,
        priority=priority,
        at=now,
        groups=sum(f.groups for f, _ in parts),
        remaining=sum(f.remaining for f, _ in parts),
        starts_in=starts_in,
        accounts=[f for f, _ in parts],
        eta={p: overall_eta(parts, p) for p in PERCENTS},
        notes=notes + [n for f, _ in parts for n in f.notes],
    )
