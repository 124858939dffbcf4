"""CAP warning received → draft written (system time), the way the feed poller does it.

    python -m bench.cap_intake               # 20 alerts
    python -m bench.cap_intake --alerts 100

The store first gets the national region list (88,000 regions; not timed) and the users. Then
BMKG-style nowcast alerts (tests/cap/fixtures/bmkg_nowcast.xml with a new identifier each,
kecamatan names in areaDesc plus a dotted geocode) go through the intake one by one: parse, the
policy, the area names resolved exactly against the region index, the draft written, the alert
recorded. The first alert builds the region-name index (cold: what it would cost if the poller
did not build the index when it starts, which it does); the rest use it (warm: every alert in
service). Each alert's ``drafted_at - received_at`` is what the approve page shows as
"warning received -> draft".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from broadcaster.announcements import Workflow
from broadcaster.cap.intake import Intake, Source, system_author
from broadcaster.importer import import_regions
from broadcaster.store.records import AuditRecord, Role
from broadcaster.store.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parents[1]
WILAYAH = ROOT.parents[1] / "shared" / "data" / "wilayah"
FIXTURE = ROOT / "tests" / "cap" / "fixtures" / "bmkg_nowcast.xml"


def alert(n: int) -> bytes:
    expires = (datetime.now(UTC) + timedelta(hours=3)).replace(microsecond=0).isoformat()
    data = FIXTURE.read_bytes().replace(b"CBT20261206001", f"CBT2026120{n:05d}".encode())
    return data.replace(b"2026-12-06T17:00:00+07:00", expires.encode())


async def run(alerts: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "bench.db")
        await store.open()
        try:
            await import_regions(store, WILAYAH, "bench")
            audit = AuditRecord(actor="bench", action="user.add", object_type="user", object_id="v")
            await store.add_user("verifier", Role.verifier, "36", audit)
            intake = Intake(store, Workflow(store))
            source = Source(feed="bmkg", actor=system_author("bmkg"), default_target=("36",))
            walls: list[float] = []
            cpu = time.process_time()
            for n in range(alerts):
                started = time.perf_counter()
                out = await intake.receive(alert(n), source)
                walls.append(time.perf_counter() - started)
                assert out.outcome == "drafted", out
                if n == 0:
                    cpu = time.process_time() - cpu
            recorded = [
                (a.drafted_at or 0) - a.received_at for a in await store.list_cap_alerts(alerts)
            ]
            warm = walls[1:] or walls
            return {
                "alerts": alerts,
                "regions": await store.count_regions(),
                "first_alert_cold_index_s": round(walls[0], 3),
                "first_alert_cold_index_cpu_s": round(cpu, 3),
                "warm_median_s": round(statistics.median(warm), 4),
                "warm_max_s": round(max(warm), 4),
                "recorded_received_to_draft_max_s": round(max(recorded), 3),
                "load_average": os.getloadavg()[0],
            }
        finally:
            await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=20)
    args = parser.parse_args()
    if not (WILAYAH / "villages.csv").exists():
        raise SystemExit(f"region files not found in {WILAYAH}")
    print(json.dumps(asyncio.run(run(args.alerts)), indent=2))


if __name__ == "__main__":
    main()
