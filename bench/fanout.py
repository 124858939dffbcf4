"""End-to-end fan-out: plan + claim + send + record, to N active groups, with an adapter that
answers at once. Reports deliveries/s and the peak RSS of the process that ran the dispatch, side
by side with the SQLite ceiling measured in the same run on a copy of the same store
(:mod:`bench.ceiling`: the bare insert + claim + record of every row, no engine), and their ratio.

    python -m bench.fanout --groups 100000         # target: ratio to the ceiling >= 0.20
    python -m bench.fanout --groups 1000000        # memory target: peak RSS <= 200 MB

Setup (regions, groups, users, an approved announcement) runs in a separate process first, so the
measured process's peak RSS covers only the service doing the dispatch. The ceiling runs once
before and once after the engine (the machine's speed drifts; both are reported, the ratio uses
their mean).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from broadcaster.app import App
from broadcaster.engine import Engine
from schedules.spec import ScheduleSpec

from .ceiling import ceiling_of_copy
from .common import log, peak_rss_mb, prepare, settings_for


async def run_dispatch(folder: Path, announcement_id: int) -> dict[str, float]:
    settings = settings_for(folder)
    async with App(settings) as app:
        for adapter in app.adapters.values():
            await adapter.start()
        engine = Engine(app.store, settings, app.adapters)
        await engine.start()
        started = time.perf_counter()
        schedule = await app.workflow.schedule("admin", announcement_id, ScheduleSpec.now())
        assert engine.bridge is not None
        await engine.bridge.fire(schedule.id, datetime.now(UTC))
        engine.work.wants_plan()
        await engine.drain(3600)
        elapsed = time.perf_counter() - started
        dispatch = (await app.store.list_dispatches())[0]
        log(f"dispatch {dispatch.id} {dispatch.status} planned={dispatch.planned}")
        progress = await app.store.dispatch_progress(dispatch.id)
        await engine.stop()
        for adapter in app.adapters.values():
            await adapter.stop()
    sent = progress.by_status.get("sent", 0)
    return {
        "groups": float(progress.planned),
        "sent": float(sent),
        **{f"status_{k}": float(v) for k, v in progress.by_status.items()},
        "seconds": round(elapsed, 3),
        "deliveries_per_second": round(sent / elapsed, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int, default=100_000)
    parser.add_argument("--phase", choices=["all", "run"], default="all")
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--announcement", type=int, default=0)
    parser.add_argument(
        "--no-ceiling", action="store_true", help="skip the SQLite ceiling (memory runs)"
    )
    args = parser.parse_args()
    if args.phase == "run":
        result = asyncio.run(run_dispatch(args.folder, args.announcement))
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as tmp:
        folder = Path(tmp)
        log(f"setting up {args.groups} groups in {folder} …")
        t0 = time.perf_counter()
        announcement = asyncio.run(prepare(folder, args.groups))
        log(f"setup took {time.perf_counter() - t0:.1f} s")
        ceilings = []
        if not args.no_ceiling:
            log("SQLite ceiling (before) …")
            ceilings.append(ceiling_of_copy(folder))
        log("dispatching …")
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.fanout",
                "--phase",
                "run",
                "--folder",
                str(folder),
                "--announcement",
                str(announcement),
            ],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        report: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
        if not args.no_ceiling:
            log("SQLite ceiling (after) …")
            ceilings.append(ceiling_of_copy(folder))
            rows_per_second = [c["rows_per_second"] for c in ceilings]
            ceiling = sum(rows_per_second) / len(rows_per_second)
            report["ceiling_rows_per_second"] = rows_per_second
            report["ratio_to_ceiling"] = round(report["deliveries_per_second"] / ceiling, 3)
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
