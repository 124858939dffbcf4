"""Import the national region list (34 provinces, 514 regencies, 7,215 districts, 80,534
villages) into a fresh SQLite store, the way ``broadcaster regions import`` does.

    python -m bench.import_regions [../shared/data/wilayah]     # target: <= 5 s
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

from broadcaster.importer import import_regions
from broadcaster.store.sqlite import SqliteStore

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "wilayah"


async def run(directory: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        async with SqliteStore(Path(tmp) / "bench.db") as store:
            started = time.perf_counter()
            stats = await import_regions(store, directory, "bench")
            first = time.perf_counter() - started
            started = time.perf_counter()
            again = await import_regions(store, directory, "bench")
            second = time.perf_counter() - started
            villages = await store.count_regions(level=None)
    return {
        "rows": float(stats.added),
        "regions_in_store": float(villages),
        "import_seconds": round(first, 3),
        "reimport_seconds": round(second, 3),
        "reimport_unchanged": float(again.unchanged),
    }


def main() -> None:
    directory = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    if not (directory / "villages.csv").exists():
        sys.exit(f"region files not found in {directory}")
    print(json.dumps(asyncio.run(run(directory)), indent=2))


if __name__ == "__main__":
    main()
