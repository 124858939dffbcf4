"""Reach forecast vs the measured dispatch (issue 15), for several mixes of accounts and limits.

Each mix builds a fresh store (SQLite file), real adapters (scripted; WAHA with its in-process
sandbox), starts the engine, makes the forecast of an approved announcement, dispatches it through
the scheduler bridge and records, per group, when its last message was answered (each adapter's
``send`` is wrapped to note the time). Printed as a Markdown table for BENCHMARKS.md.

Limits are kept far below what the machine sends unlimited (so the limits bind, not the CPU):
at most 50 messages a second.

    .venv/bin/python -m bench.forecast_vs_actual [--mix NAME ...]
    .venv/bin/python -m bench.forecast_vs_actual --time-groups 1000000 [--engine postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import log, region_rows
from broadcaster.adapter import Adapter, ChannelMessage, SendResult
from broadcaster.app import App
from broadcaster.config import Settings
from broadcaster.engine import Engine
from broadcaster.forecast.model import PERCENTS, Forecast
from broadcaster.forecast.service import forecast_for
from broadcaster.store.records import AuditRecord, GroupStatus, NewGroup, Region, Role
from content.model import Announcement, Level, Poll, Priority, Target, Variant
from schedules.spec import ScheduleSpec

VILLAGE = "3601001{:03d}"  # region_rows puts 100 RTs under each village, in this order


@dataclass
class Mix:
    name: str
    what: str
    accounts: dict[str, dict[str, Any]]
    #: account → (number of groups, village numbers they live in)
    groups: dict[str, tuple[int, list[int]]]
    villages: list[int]  # the target of the measured announcement
    poll: bool = False
    #: villages of an announcement dispatched first, whose deliveries are queued ahead
    ahead: list[int] = field(default_factory=list)
    #: stop measuring once this many groups were reached (a daily cap ends the day)
    stop_after: int | None = None


def _scripted(**limits: float) -> dict[str, Any]:
    return {"adapter": "scripted", "record": False, "limits": limits}


MIXES = [
    Mix(
        "single",
        "one scripted account, 50 msg/s, 400 groups",
        {"fast": _scripted(global_per_second=50)},
        {"fast": (400, [1, 2, 3, 4])},
        [1, 2, 3, 4],
    ),
    Mix(
        "group_interval",
        "20 msg/s, 5 s between the 2 messages (text + poll) of one group, 40 groups",
        {"tg": _scripted(global_per_second=20, per_address_interval=5)},
        {"tg": (40, [1])},
        [1],
        poll=True,
    ),
    Mix(
        "waha",
        "WAHA sandbox number: min_interval 0.25 s, jitter 0.2 s, group_interval 1 s, daily cap "
        "40 (scaled down from 200), 60 groups",
        {
            "gw": {
                "adapter": "waha",
                "sandbox": True,
                "min_interval": 0.25,
                "jitter": 0.2,
                "group_interval": 1,
                "daily_cap": 40,
                "quiet_hours": "off",
            }
        },
        {"gw": (60, [1])},
        [1],
        stop_after=40,
    ),
    Mix(
        "two_accounts",
        "two scripted accounts: 25 msg/s with 200 groups and 4 msg/s with 40 groups",
        {"a": _scripted(global_per_second=25), "b": _scripted(global_per_second=4)},
        {"a": (200, [1, 2]), "b": (40, [3])},
        [1, 2, 3],
    ),
    Mix(
        "ahead",
        "20 msg/s; an older normal dispatch of 200 groups is queued ahead of 100 groups",
        {"q": _scripted(global_per_second=20)},
        {"q": (300, [1, 2, 3])},
        [3],
        ahead=[1, 2],
    ),
]


def settings_for(folder: Path, accounts: dict[str, dict[str, Any]]) -> Settings:
    return Settings(
        service={"data_dir": str(folder)},
        store={"url": f"sqlite:///{folder / 'bench.db'}"},
        http={"enabled": False},
        engine={"idle_poll": 0.05},
        schedule={"quiet_hours": "off"},
        accounts=accounts,
    )


class Clock:
    """When each address got each answered message (monotonic), by wrapping ``send``."""

    def __init__(self) -> None:
        self.parts: dict[str, list[float]] = defaultdict(list)

    def wrap(self, adapter: Adapter) -> None:
        send: Callable[[ChannelMessage, str], Awaitable[SendResult]] = adapter.send

        async def timed(message: ChannelMessage, address: str) -> SendResult:
            result = await send(message, address)
            self.parts[address].append(time.monotonic())
            return result

        adapter.send = timed  # type: ignore[method-assign]

    def reached(self, addresses: list[str], parts: int, since: float) -> list[float]:
        return sorted(
            self.parts[a][parts - 1] - since for a in addresses if len(self.parts[a]) >= parts
        )


async def _setup(app: App, mix: Mix) -> dict[str, list[tuple[str, str]]]:
    """Users, regions, groups; (address, region) per account."""
    audit = AuditRecord(actor="bench", action="setup", object_type="bench", object_id="")
    for name, role in (("admin", Role.admin), ("verifier", Role.verifier)):
        await app.store.add_user(name, role, None, audit)
    rows = region_rows(100 * max(v for _, vs in mix.groups.values() for v in vs))
    await app.store.import_regions(
        [Region(code=c, level=Level(lv), name=n, parent=p) for c, lv, n, p in rows], audit
    )
    rts = [c for c, lv, _, _ in rows if lv == "rt"]
    placed: dict[str, list[tuple[str, str]]] = {}
    for account, (count, villages) in mix.groups.items():
        adapter = app.adapters[account]
        # spread evenly over the villages, one RT after another in each
        under = {v: [c for c in rts if c.startswith(VILLAGE.format(v))] for v in villages}
        out = []
        for i in range(count):
            village = under[villages[i % len(villages)]]
            region = village[(i // len(villages)) % len(village)]
            if mix.accounts[account]["adapter"] == "waha":
                address = await adapter.sandbox_group(f"RT {i}")
            else:
                address = f"{account}-{i}"
            out.append((address, region))
        await app.store.add_groups(
            [
                NewGroup(
                    channel=adapter.channel,
                    account=account,
                    address=a,
                    region=r,
                    kind="rt",
                    status=GroupStatus.active,
                    subscribed_by="bench",
                )
                for a, r in out
            ],
            "bench",
            audit,
        )
        placed[account] = out
    return placed


async def _approved(app: App, villages: list[int], poll: bool, title: str) -> int:
    content = Announcement(
        variants={"id": Variant(title=title, body="Mohon **waspada** banjir.")},
        poll=Poll(question="Tergenang?", options=["Ya", "Tidak"]) if poll else None,
        priority=Priority.normal,
        source="BPBD Banten",
        target=Target(regions=[VILLAGE.format(v) for v in villages]),
    )
    record = await app.workflow.create("admin", content)
    await app.workflow.submit("admin", record.id)
    await app.workflow.approve("verifier", record.id)
    return record.id


async def _fire(app: App, engine: Engine, announcement_id: int) -> None:
    schedule = await app.workflow.schedule("admin", announcement_id, ScheduleSpec.now())
    assert engine.bridge is not None
    await engine.bridge.fire(schedule.id, datetime.now(UTC))


async def _planned(app: App, announcement_id: int) -> None:
    while True:
        found = await app.store.list_dispatches(announcement_id=announcement_id)
        if found and found[0].status.value != "planning":
            return
        await asyncio.sleep(0.02)


@dataclass
class Result:
    mix: Mix
    forecast: Forecast
    measured: dict[int, float | None]
    per_account: dict[str, dict[int, float | None]]
    held_until: float | None = None  # seconds after the start (daily cap), from the store


async def run_mix(mix: Mix, folder: Path) -> Result:
    settings = settings_for(folder, mix.accounts)
    clock = Clock()
    async with App(settings) as app:
        for adapter in app.adapters.values():
            await adapter.start()
            clock.wrap(adapter)
        engine = Engine(app.store, settings, app.adapters)
        try:
            placed = await _setup(app, mix)
            await engine.start()
            if mix.ahead:
                first = await _approved(app, mix.ahead, False, "Sebelumnya")
                await _fire(app, engine, first)
                await _planned(app, first)
            record = await _approved(app, mix.villages, mix.poll, "Diukur")
            forecast = await forecast_for(app.store, settings, app.adapters, record)
            started = time.monotonic()
            await _fire(app, engine, record)
            result = await _measure(app, mix, forecast, placed, clock, started)
        finally:
            await engine.stop()
            for adapter in app.adapters.values():
                await adapter.stop()
    return result


async def _measure(
    app: App,
    mix: Mix,
    forecast: Forecast,
    placed: dict[str, list[tuple[str, str]]],
    clock: Clock,
    started: float,
) -> Result:
    targets = tuple(VILLAGE.format(v) for v in mix.villages)
    addresses = {
        account: [a for a, region in groups if region.startswith(targets)]
        for account, groups in placed.items()
    }
    parts = {f.account: f.messages_per_group for f in forecast.accounts}
    total = sum(len(a) for a in addresses.values())
    goal = mix.stop_after or total
    deadline = started + 2 * max(v for v in forecast.eta.values() if v < math.inf) + 30
    if mix.stop_after:
        deadline = started + 120
    while True:
        reached = sum(len(clock.reached(a, parts[k], started)) for k, a in addresses.items())
        if reached >= goal or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    times = sorted(t for k, a in addresses.items() for t in clock.reached(a, parts[k], started))
    measured = {p: _at(times, math.ceil(p * total / 100)) for p in PERCENTS}
    per_account = {}
    for k, a in addresses.items():
        own = clock.reached(a, parts[k], started)
        per_account[k] = {p: _at(own, math.ceil(p * len(a) / 100)) for p in PERCENTS}
    held_until = None
    if mix.stop_after:
        await asyncio.sleep(1.0)  # the hold is written with the outcomes
        found = await app.store.list_dispatches(announcement_id=forecast.announcement_id)
        counts = await app.store.forecast_counts({}, 0, found[0].id, {})
        ends = [c.held_until for c in counts if c.held_until is not None]
        if ends:
            held_until = max(ends) - (time.time() - (time.monotonic() - started))
    return Result(mix, forecast, measured, per_account, held_until)


def _at(times: list[float], n: int) -> float | None:
    return times[n - 1] if 0 < n <= len(times) else None


def _cell(forecast: float, measured: float | None) -> str:
    if measured is None:
        return f"{_secs(forecast)} / not reached in the run"
    error = (measured - forecast) / forecast if forecast > 0 else 0.0
    return f"{_secs(forecast)} / {_secs(measured)} ({error:+.1%})"


def _secs(value: float) -> str:
    if math.isinf(value):
        return "∞"
    return f"{value:,.2f} s" if value < 3600 else f"{value / 3600:,.2f} h"


def report(results: list[Result]) -> str:
    lines = [
        "| mix | what | account | groups | binding | 50 % forecast / actual | "
        "95 % forecast / actual | 100 % forecast / actual |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        f = r.forecast
        accounts = f.accounts if len(f.accounts) == 1 else [None, *f.accounts]
        for a in accounts:
            if a is None:
                cells = [_cell(f.eta[p], r.measured[p]) for p in PERCENTS]
                row = ["all", str(f.remaining), "—"]
            else:
                measured = r.per_account[a.account]
                cells = [_cell(a.eta[p], measured[p]) for p in PERCENTS]
                binding = ", ".join(lim.kind for lim in a.limits if lim.binding)
                row = [a.account, str(a.remaining), binding]
            lines.append(f"| {r.mix.name} | {r.mix.what} | " + " | ".join(row + cells) + " |")
        if r.held_until is not None:
            lines.append(
                f"| {r.mix.name} | daily cap reached after {r.mix.stop_after}: the number is held "
                f"until local midnight | | | | | resumes: forecast "
                f"{_secs(_resume(r))} / store's hold ends {_secs(r.held_until)} | |"
            )
    return "\n".join(lines)


def _resume(r: Result) -> float:
    """When the forecast has the first message after the cap go out (its calendar)."""
    from broadcaster.forecast.calendar import Calendar, grant_time

    a = r.forecast.accounts[0]
    cal = Calendar(
        now=r.forecast.at,
        interval=a.interval,
        daily_cap=next(lim.value for lim in a.limits if lim.kind == "daily_cap"),
        cap_timezone="Asia/Jakarta",
    )
    return grant_time(cal, int(r.mix.stop_after or 0) + 1)


async def time_forecast(groups: int, engine: str) -> None:
    """How long one forecast of an announcement to ``groups`` groups takes, bulk-loaded (SQLite
    with bench.common.prepare; PostgreSQL with bench.pg_fanout.setup in a schema of its own, 8
    accounts): the counts are aggregated in SQL, so no group row reaches Python."""
    from broadcaster.config import load_settings

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        log(f"loading {groups:,} groups ({engine})")
        if engine == "postgres":
            from bench import pg_fanout

            pg_fanout.SCHEMA = "bench_forecast"  # not the fan-out benchmark's schema
            (folder / "config.toml").write_text(pg_fanout.config_text(pg_fanout.DEFAULT_URL, 8))
            announcement = await pg_fanout.setup(folder, pg_fanout.DEFAULT_URL, groups, 8)
            settings = load_settings(folder / "config.toml")
        else:
            from bench.common import prepare, settings_for

            announcement = await prepare(folder, groups)
            settings = settings_for(folder)
        async with App(settings) as app:
            timings = []
            for _ in range(3):
                began = time.perf_counter()
                f = await forecast_for(app.store, settings, app.adapters, announcement)
                timings.append(time.perf_counter() - began)
        assert f.groups == groups, f.groups
        load = os.getloadavg()
        print(
            f"forecast of {groups:,} groups ({engine}, {len(f.accounts)} accounts): "
            + ", ".join(f"{t:.3f} s" for t in timings)
            + f" (3 runs); load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
        )


async def main(names: list[str]) -> None:
    results = []
    for mix in MIXES:
        if names and mix.name not in names:
            continue
        with tempfile.TemporaryDirectory() as folder:
            log(f"mix {mix.name}: {mix.what}")
            results.append(await run_mix(mix, Path(folder)))
    load = os.getloadavg()
    print(report(results))
    print(f"\nload average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mix", action="append", default=[], help="run only these mixes")
    parser.add_argument(
        "--time-groups", type=int, default=0, help="only time one forecast of this many groups"
    )
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    if args.time_groups:
        asyncio.run(time_forecast(args.time_groups, args.engine))
    else:
        asyncio.run(main(args.mix))
