"""The SQLite ceiling of a fan-out: bare rows per second, no engine around them.

What a dispatch to N groups cannot avoid doing in SQLite, done as directly as Python can: insert
the N delivery rows from the groups table in batched transactions, then claim them in batches
(read the batch, mark it ``sending``) and record every one as ``sent`` (one UPDATE per row, as
the store does), each batch one transaction — with the plain ``sqlite3`` module in one thread,
in the store's own schema and indexes, on a copy of the very file the engine bench dispatches
from. No asyncio, no rate limiter, no adapter, no rendering: the engine's fan-out is measured
as a fraction of this.

    python -m bench.ceiling --groups 100000          # alone (sets up its own store)
    python -m bench.fanout --groups 100000           # engine and ceiling side by side
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import tempfile
import time
from contextlib import closing
from pathlib import Path

from .common import log, prepare

PLAN_BATCH = 5000  # the shipped engine.plan_batch
CLAIM_BATCH = 1000  # the shipped engine.claim_batch


def ceiling(db_file: Path, account: str = "bench") -> dict[str, float]:
    """Insert, claim and record one delivery per active group of ``account``; rows/s."""
    db = sqlite3.connect(db_file, isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            db.execute(f"PRAGMA {pragma}")
        db.execute(
            "INSERT INTO dispatches(announcement_id, fire_key, priority, rank, content_hash, "
            "target, status, cursor, created_by, created_at) SELECT id, 'ceiling', 'normal', 0, "
            "content_hash, '{}', 'sending', '{}', 'bench', 0 FROM announcements "
            "ORDER BY id LIMIT 1"
        )
        dispatch = int(db.execute("SELECT MAX(id) FROM dispatches").fetchone()[0])
        started = time.perf_counter()
        cpu = time.process_time()
        last = 0
        inserted = 0
        while True:  # batched insert, walking the groups by id
            now = time.time()
            db.execute("BEGIN IMMEDIATE")
            cur = db.execute(
                "INSERT INTO deliveries(dispatch_id, group_id, account, rank, status, next_at, "
                "updated_at) SELECT ?, id, account, 0, 'queued', ?, ? FROM groups "
                "WHERE id > ? AND account = ? AND status = 'active' ORDER BY id LIMIT ?",
                (dispatch, now, now, last, account, PLAN_BATCH),
            )
            last_row = db.execute(
                "SELECT MAX(group_id) FROM deliveries WHERE dispatch_id = ?", (dispatch,)
            ).fetchone()
            db.execute("COMMIT")
            if cur.rowcount <= 0:
                break
            inserted += cur.rowcount
            last = int(last_row[0])
        planned = time.perf_counter()
        recorded = 0
        while True:  # claim a batch (one statement), then record it (one UPDATE per row)
            db.execute("BEGIN IMMEDIATE")
            rows = db.execute(
                "UPDATE deliveries SET status = 'sending', updated_at = ? WHERE id IN ("
                "SELECT id FROM deliveries WHERE account = ? AND status = 'queued' "
                "AND rank >= 0 ORDER BY rank DESC, id LIMIT ?) RETURNING id",
                (time.time(), account, CLAIM_BATCH),
            ).fetchall()
            db.execute("COMMIT")
            if not rows:
                break
            stamp = time.time()
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                "UPDATE deliveries SET status = 'sent', updated_at = ? WHERE id = ?",
                [(stamp, r[0]) for r in rows],
            )
            db.execute("COMMIT")
            recorded += len(rows)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
    finally:
        db.close()
    return {
        "rows": float(recorded),
        "inserted": float(inserted),
        "insert_seconds": round(planned - started, 3),
        "seconds": round(elapsed, 3),
        "cpu_seconds": round(cpu, 3),
        "rows_per_second": round(recorded / elapsed, 1),
    }


def ceiling_of_copy(folder: Path) -> dict[str, float]:
    """Run :func:`ceiling` on a copy of ``folder``'s prepared store, leaving it untouched."""
    with tempfile.TemporaryDirectory(prefix="bench-ceiling-") as tmp:
        copy = Path(tmp) / "bench.db"
        # the backup API copies what is committed, write-ahead log included
        with (
            closing(sqlite3.connect(folder / "bench.db")) as src,
            closing(sqlite3.connect(copy)) as dst,
        ):
            src.backup(dst)
        return ceiling(copy)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ceiling-") as tmp:
        folder = Path(tmp)
        log(f"setting up {args.groups} groups in {folder} …")
        asyncio.run(prepare(folder, args.groups))
        print(json.dumps(ceiling(folder / "bench.db"), indent=2))


if __name__ == "__main__":
    main()
