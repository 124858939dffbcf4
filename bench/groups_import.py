"""``groups import`` of a large onboarding sheet into a fresh store, the way the CLI does it.

    python -m bench.groups_import --rows 10000      # target: <= 5 s
    python -m bench.groups_import --rows 100000
    python -m bench.groups_import --rows 10000 --engine postgres

The store first gets the national region list (88,000 regions, as a provincial deployment that
imported everything would have; not timed). The sheet (CSV) has one row per group: WhatsApp
group ids through the WAHA gateway and e-mail addresses, alternately, at Banten villages; every
fifth row names its village ("Tajur, Ciledug") instead of giving the code, the rest give codes.
Timed, each from the file on disk: ``--check`` (validate only), the import itself (cold: the
region-name index is built inside it, as in a fresh CLI process), and the same file again
(everything unchanged, nothing written). CPU seconds (this process, all threads) are reported
beside the wall-clock time: on a shared, loaded machine they show the cost the load hides.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import tempfile
import time
from pathlib import Path

from adapters.email import EmailAdapter
from adapters.waha import WahaAdapter
from broadcaster import regionsearch
from broadcaster.directory import Directory
from broadcaster.importer import import_regions
from broadcaster.onboarding import import_groups_file
from broadcaster.regionsearch import RegionIndex
from broadcaster.store.contract import Store
from broadcaster.store.records import AuditRecord, GroupFilter, Role
from content.model import Level

WILAYAH = Path(__file__).resolve().parents[2] / "shared" / "data" / "wilayah"
KINDS = ("rt", "rw", "pkk", "posyandu")


async def open_store(engine: str, tmp: Path) -> Store:
    if engine == "sqlite":
        from broadcaster.store.sqlite import SqliteStore

        store: Store = SqliteStore(tmp / "bench.db")
    else:
        from broadcaster.store.postgres import PgOptions, PostgresStore

        store = PostgresStore(
            "postgresql://postgres@127.0.0.1:5432/test",
            PgOptions(schema=f"bench_import_{int(time.time())}"),
        )
    await store.open()
    return store


async def write_sheet(store: Store, path: Path, rows: int) -> None:
    villages = [r async for r in store.iter_regions("36", Level.village)]
    everything = [r async for r in store.iter_regions()]
    index = RegionIndex(everything)
    names = {r.code: r.name for r in everything}
    by_name = []
    for village in villages:
        assert village.parent is not None
        label = f"{village.name.title()}, {names[village.parent].title()}"
        if [m.code for m in index.exact(label)] == [village.code]:
            by_name.append((village.code, label))
    labels = dict(by_name)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["account", "address", "region", "kind", "title", "language"])
        for n in range(rows):
            village = villages[n % len(villages)]
            region = labels.get(village.code, village.code) if n % 5 == 0 else village.code
            if n % 2:
                address = f"rt{n:07d}.{village.code}@desa.example.id"
                account = "mail"
            else:
                address = f"120363{n:012d}@g.us"
                account = "gw"
            kind = KINDS[n % len(KINDS)]
            out.writerow([account, address, region, kind, f"Grup {n} {village.name.title()}", "id"])


async def run(rows: int, engine: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="bench-groups-import-") as tmp_name:
        tmp = Path(tmp_name)
        store = await open_store(engine, tmp)
        try:
            await import_regions(store, WILAYAH, "bench")
            await store.add_user(
                "officer",
                Role.admin,
                None,
                AuditRecord(actor="bench", action="u", object_type="user", object_id="o"),
            )
            sheet = tmp / "groups.csv"
            await write_sheet(store, sheet, rows)
            directory = Directory(store, {"gw": WahaAdapter, "mail": EmailAdapter})
            timings: dict[str, object] = {"rows": rows, "engine": engine}
            # the name index is built inside the timed step (cold), as in a fresh CLI process
            regionsearch._FINDERS.clear()
            started, cpu = time.perf_counter(), time.process_time()
            checked = await import_groups_file(directory, "officer", sheet, check=True)
            timings["check_seconds_cold_index"] = round(time.perf_counter() - started, 3)
            timings["check_cpu_seconds"] = round(time.process_time() - cpu, 3)
            assert not checked.problems, checked.problems[:5]
            regionsearch._FINDERS.clear()
            started, cpu = time.perf_counter(), time.process_time()
            done = await import_groups_file(directory, "officer", sheet)
            timings["import_seconds_cold_index"] = round(time.perf_counter() - started, 3)
            timings["import_cpu_seconds"] = round(time.process_time() - cpu, 3)
            timings["added"] = done.added
            started, cpu = time.perf_counter(), time.process_time()
            again = await import_groups_file(directory, "officer", sheet)
            timings["reimport_seconds"] = round(time.perf_counter() - started, 3)
            timings["reimport_cpu_seconds"] = round(time.process_time() - cpu, 3)
            timings["reimport_unchanged"] = again.unchanged
            counts = await store.count_groups(GroupFilter())
            timings["groups_in_store"] = sum(counts.values())
            return timings
        finally:
            await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    if not (WILAYAH / "villages.csv").exists():
        raise SystemExit(f"region files not found in {WILAYAH}")
    print(json.dumps(asyncio.run(run(args.rows, args.engine)), indent=2))


if __name__ == "__main__":
    main()
