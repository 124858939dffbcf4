"""Fan-out on PostgreSQL with several ``broadcaster run --role sender`` processes sharing one
database: deliveries/s with 1, 2 and 4 processes and the scaling ratio.

    python -m bench.pg_fanout --groups 100000 --procs 1,2,4

The groups are spread over ``--accounts`` scripted accounts that answer at once (an account is
sent by one process at a time, so the accounts are the unit of scale-out). For each process count
a fresh schema is set up, the processes start and share the account leases out, then one
announcement to every group is scheduled; the time is the dispatch's own (created → done, both
stamped by the service), so the benchmark's polling adds nothing to it; ``planning_seconds`` is
the part until the last batch was planned (the ``dispatch.planned`` audit entry), and
``load_average`` the machine's 1-minute load when the round ended.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import asyncpg

from broadcaster.app import App
from broadcaster.config import load_settings
from broadcaster.store.records import AuditRecord, Role
from content.model import Announcement, Target, Variant
from schedules.spec import ScheduleSpec

from .common import log, region_rows

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_fanout"


def config_text(url: str, accounts: int) -> str:
    blocks = "".join(
        f'\n[accounts.bench{n}]\nadapter = "scripted"\nrecord = false\n'
        for n in range(1, accounts + 1)
    )
    return f"""
[service]
data_dir = "var"
verify_line = true
[store]
url = "{url}"
schema = "{SCHEMA}"
lease_ttl = 3
pool_max = 6
[http]
enabled = false
[engine]
idle_poll = 0.1
[schedule]
quiet_hours = "off"
{blocks}"""


async def setup(folder: Path, url: str, groups: int, accounts: int) -> int:
    """A fresh schema: users, a region tree, ``groups`` active RT groups round-robin over the
    accounts, one approved announcement. Bulk rows by COPY: setup is not what is measured."""
    admin = await asyncpg.connect(url)
    await admin.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    await admin.close()
    settings = load_settings(folder / "config.toml")
    async with App(settings) as app:
        await app.store.add_user(
            "admin",
            Role.admin,
            None,
            AuditRecord(actor="b", action="u", object_type="user", object_id="a"),
        )
        await app.store.add_user(
            "v",
            Role.verifier,
            None,
            AuditRecord(actor="b", action="u", object_type="user", object_id="v"),
        )
    rows = region_rows(groups)
    rts = [code for code, level, _, _ in rows if level == "rt"][:groups]
    now = time.time()
    conn = await asyncpg.connect(url)
    try:
        await conn.copy_records_to_table(
            "regions", schema_name=SCHEMA, records=rows, columns=["code", "level", "name", "parent"]
        )
        await conn.copy_records_to_table(
            "groups",
            schema_name=SCHEMA,
            columns=[
                "channel",
                "account",
                "address",
                "region",
                "region_level",
                "kind",
                "language",
                "status",
                "subscribed_by",
                "approved_by",
                "created_at",
                "updated_at",
            ],
            records=[
                (
                    "scripted",
                    f"bench{n % accounts + 1}",
                    f"chat-{code}",
                    code,
                    "rt",
                    "rt",
                    "id",
                    "active",
                    "b",
                    "b",
                    now,
                    now,
                )
                for n, code in enumerate(rts)
            ],
        )
        await conn.execute(f"ANALYZE {SCHEMA}.groups")
    finally:
        await conn.close()
    async with App(settings) as app:
        content = Announcement(
            variants={"id": Variant(title="Uji kecepatan", body="Pesan **uji** sebaran.")},
            source="Kominfo Banten",
            target=Target(regions=["36"]),
        )
        record = await app.workflow.create("admin", content)
        await app.workflow.submit("admin", record.id)
        await app.workflow.approve("v", record.id)
        return record.id


def start(folder: Path, n: int, roles: list[str]) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BROADCASTER_SERVICE__DATA_DIR": str(folder / f"var{n}")}
    args = [sys.executable, "-m", "broadcaster", "run", "--config", str(folder / "config.toml")]
    for role in roles:
        args += ["--role", role]
    return subprocess.Popen(
        args,
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(folder / f"p{n}.log", "ab"),
    )


async def fetch(url: str, sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url, server_settings={"search_path": SCHEMA})
    try:
        return list(await conn.fetch(sql))
    finally:
        await conn.close()


async def one_round(
    folder: Path, url: str, groups: int, accounts: int, procs: int
) -> dict[str, float]:
    announcement = await setup(folder, url, groups, accounts)
    children = [
        start(folder, n, ["sender", "scheduler"] if n == 0 else ["sender"]) for n in range(procs)
    ]
    try:
        fair = -(-accounts // procs)
        deadline = time.monotonic() + 60
        while True:  # wait until the account leases are shared out
            rows = await fetch(
                url,
                "SELECT holder FROM leases WHERE name LIKE 'account:%' "
                "AND expires_at >= extract(epoch from clock_timestamp())",
            )
            owners = Counter(str(r[0]) for r in rows)
            if len(rows) == accounts and len(owners) == procs and max(owners.values()) <= fair:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"leases not shared out: {owners}")
            await asyncio.sleep(0.2)
        settings = load_settings(folder / "config.toml")
        async with App(settings) as app:
            await app.workflow.schedule("admin", announcement, ScheduleSpec.now())
        deadline = time.monotonic() + 1800
        while True:
            rows = await fetch(url, "SELECT status, created_at, finished_at FROM dispatches")
            if rows and rows[0]["status"] == "done":
                break
            if time.monotonic() > deadline:
                raise TimeoutError("dispatch not done in time")
            await asyncio.sleep(0.2)
        elapsed = float(rows[0]["finished_at"]) - float(rows[0]["created_at"])
        # what bounds the dispatch: planning ends at the 'dispatch.planned' audit entry
        planned = await fetch(url, "SELECT MIN(at) FROM audit WHERE action = 'dispatch.planned'")
        planning = float(planned[0][0]) - float(rows[0]["created_at"])
        counts = {
            str(r[0]): int(r[1])
            for r in await fetch(url, "SELECT status, COUNT(*) FROM deliveries GROUP BY 1")
        }
    finally:
        for child in children:
            child.send_signal(signal.SIGTERM)
        for child in children:
            child.wait(60)
    sent = counts.get("sent", 0)
    log(f"{procs} process(es): {counts} in {elapsed:.2f} s (planning {planning:.2f} s)")
    return {
        "processes": procs,
        "sent": sent,
        "seconds": round(elapsed, 2),
        "planning_seconds": round(planning, 2),
        "load_average": os.getloadavg()[0],
        "deliveries_per_second": round(sent / elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=8)
    parser.add_argument("--procs", default="1,2,4")
    parser.add_argument("--url", default=os.environ.get("BROADCASTER_TEST_PG_URL", DEFAULT_URL))
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-pg-fanout-") as tmp:
        folder = Path(tmp)
        (folder / "config.toml").write_text(config_text(args.url, args.accounts))
        for procs in [int(p) for p in args.procs.split(",")]:
            results.append(
                asyncio.run(one_round(folder, args.url, args.groups, args.accounts, procs))
            )
    base = results[0]["deliveries_per_second"]
    for r in results:
        r["scaling_vs_first"] = round(r["deliveries_per_second"] / base, 2)
    print(json.dumps({"groups": args.groups, "accounts": args.accounts, "runs": results}, indent=2))


if __name__ == "__main__":
    main()
