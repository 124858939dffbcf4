"""Public portal latency with 100,000 published announcements over Banten's real region tree.

    python -m bench.portal                        # target: / and /wilayah/CODE p95 <= 50 ms

The store (SQLite, as shipped) holds Banten's 8 regencies, 155 districts and 1,552 villages
from the Kemendagri list (``--wilayah``, default ../shared/data/wilayah) with 2 RW x 3 RT per
village, one group per village, and ``--announcements`` announcements that went out (status
done, one finished dispatch each with one sent delivery), targeting the province (5 %), a
regency (20 %), a district (25 %), a village (30 %) or an RT (20 %), published over the last year;
every 20th expired, half of those before anything was sent. Another 5,000 drafts, rejected and
approved ones sit beside them (never shown). Setup writes rows directly (the triggers of
migration 0013 fill the portal listing as they would on a real status change); what is measured
is a real ``broadcaster run`` process answering anonymous requests over HTTP: each page
``--rounds`` times in sequence after a warm-up, reporting p50/p95/max and the very first request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from broadcaster.app import App
from broadcaster.config import load_settings
from broadcaster.importer import UnitPlan, import_regions
from content.hashing import content_hash
from content.model import Announcement, Target, Variant

from .common import log
from .webserver import free_port, serve, time_page, write_config

TARGET_MS = 50.0
# the shared test data next to the checkout (../shared/data/wilayah from a checkout in /work/main
# or /work/wt/NAME)
DEFAULT_WILAYAH = next(
    (
        p / "shared" / "data" / "wilayah"
        for p in Path(__file__).resolve().parents
        if (p / "shared" / "data" / "wilayah").is_dir()
    ),
    Path("../shared/data/wilayah"),
)
WORDS = ("banjir", "vaksinasi", "pemadaman", "jalan", "posyandu", "pajak", "bansos", "cuaca")


async def import_tree(config: Path, wilayah: Path) -> None:
    async with App(load_settings(config)) as app:
        await import_regions(app.store, wilayah, "bench", province="36", units=UnitPlan(2, 3))


def _target(rng: random.Random, tree: dict[str, list[str]]) -> str:
    roll = rng.random()
    if roll < 0.05:
        return "36"
    if roll < 0.25:
        return rng.choice(tree["regency"])
    if roll < 0.50:
        return rng.choice(tree["district"])
    village = rng.choice(tree["village"])
    if roll < 0.80:
        return village
    return f"{village}.RW00{rng.randint(1, 2)}.RT00{rng.randint(1, 3)}"


def seed(folder: Path, announcements: int) -> dict[str, list[str]]:
    """The announcements, dispatches, deliveries and groups, written directly."""
    rng = random.Random(16)
    now = time.time()
    with sqlite3.connect(folder / "bench.db") as db:
        tree: dict[str, list[str]] = {"regency": [], "district": [], "village": []}
        for code, level in db.execute("SELECT code, level FROM regions ORDER BY code"):
            if level in tree:
                tree[level].append(code)
        db.executemany(
            "INSERT INTO groups(id, channel, account, address, region, region_level, kind, "
            "status, subscribed_by, created_at, updated_at) "
            "VALUES (?, 'scripted', 'bench', ?, ?, 'village', 'rt', 'active', 'bench', ?, ?)",
            [(i + 1, f"g{i}", v, now, now) for i, v in enumerate(tree["village"])],
        )
        rows, dispatches, deliveries = [], [], []
        for n in range(1, announcements + 5_001):
            published = n <= announcements
            at = now - 365 * 86400 * (1 - n / (announcements + 5_000))
            expired = published and n % 20 == 0
            content = Announcement(
                variants={
                    "id": Variant(
                        title=f"Pengumuman {WORDS[n % len(WORDS)]} nomor {n}",
                        body=f"Isi **pengumuman** {WORDS[(n * 7) % len(WORDS)]}, nomor {n}.",
                    )
                },
                source="Kominfo Banten",
                expires_at=datetime.fromtimestamp(at, UTC) + timedelta(days=1) if expired else None,
                target=Target(regions=[_target(rng, tree)]),
            )
            status = "done" if published else ("draft", "rejected", "approved")[n % 3]
            digest = content_hash(content)
            code = f"B{n:07d}"
            rows.append((n, code, status, content.model_dump_json(), digest, at, at))
            if published:
                dispatches.append((n, n, f"bench-{n}", digest, at, at))
                sent = not (expired and n % 40 == 0)
                deliveries.append(
                    (n, n % len(tree["village"]) + 1, "sent" if sent else "cancelled", at)
                )
        db.executemany(
            "INSERT INTO announcements(id, short_code, author, status, content, content_hash, "
            "approved_hash, version, created_at, updated_at) "
            "VALUES (?, ?, 'bench', ?, ?, ?, NULL, 1, ?, ?)",
            rows,
        )
        db.execute("UPDATE announcements SET approved_hash = content_hash WHERE status != 'draft'")
        db.executemany(
            "INSERT INTO dispatches(id, announcement_id, schedule_id, fire_key, priority, rank, "
            "content_hash, target, status, planned, created_by, created_at, finished_at) "
            "VALUES (?, ?, NULL, ?, 'normal', 0, ?, '{}', 'done', 1, 'bench', ?, ?)",
            dispatches,
        )
        db.executemany(
            "INSERT INTO deliveries(dispatch_id, group_id, account, rank, status, attempts, "
            "parts_done, next_at, updated_at) VALUES (?, ?, 'bench', 0, ?, 1, 1, ?, ?)",
            [(d, g, s, at, at) for d, g, s, at in deliveries],
        )
        listed = db.execute("SELECT COUNT(*) FROM portal_items").fetchone()[0]
        log(f"portal listing holds {listed} announcements")
    return tree


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    url: str, pages: dict[str, str], rounds: int, server: int
) -> dict[str, dict[str, float]]:
    """Wall-clock latency per page as a client sees it, and the server process's CPU time per
    request (what the page costs, whatever else the machine is doing)."""
    out: dict[str, dict[str, float]] = {}
    with httpx.Client(base_url=url, timeout=30) as client:
        marks: list[float] = []  # the server's CPU seconds when each page's rounds begin
        for name, path in pages.items():
            row, size = time_page(client, path, rounds, lambda: marks.append(cpu_seconds(server)))
            cpu_ms = (cpu_seconds(server) - marks[-1]) * 1000 / rounds
            out[name] = {"server_cpu_ms": round(cpu_ms, 1), **row, "bytes": size}
            log(
                f"{name:34} p50 {row['p50_ms']:6.1f}  p95 {row['p95_ms']:6.1f}  "
                f"first {row['first_ms']:6.1f}  server CPU {cpu_ms:5.1f} ms  {size:6.0f} B"
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--announcements", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--wilayah", type=Path, default=DEFAULT_WILAYAH)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-portal-") as tmp:
        folder = Path(tmp)
        port = free_port()
        config = write_config(folder, port)
        started = time.perf_counter()
        asyncio.run(import_tree(config, args.wilayah))
        tree = seed(folder, args.announcements)
        log(f"seeded in {time.perf_counter() - started:.1f} s")
        village = tree["village"][len(tree["village"]) // 2]
        district, regency = village[:7], village[:4]
        with serve(config, port) as (url, pid):
            pages = {
                "/ (newest)": "/",
                "/?hal=50 (page 50)": "/?hal=50",
                f"/?kab={regency}": f"/?kab={regency}",
                "/?q=banjir": "/?q=banjir",
                "/?q=banjir&kab=... (filter+search)": f"/?q=vaksinasi&kab={regency}",
                "/wilayah/36 (province)": "/wilayah/36",
                f"/wilayah/{regency} (regency)": f"/wilayah/{regency}",
                f"/wilayah/{district} (district)": f"/wilayah/{district}",
                f"/wilayah/{village} (village)": f"/wilayah/{village}",
                "/wilayah/... RT": f"/wilayah/{village}.RW001.RT001",
                "/feed.atom": "/feed.atom",
                "/feed.json": "/feed.json",
                f"/wilayah/{village}/feed.atom": f"/wilayah/{village}/feed.atom",
                f"/embed/wilayah/{village}": f"/embed/wilayah/{village}",
            }
            results = measure(url, pages, args.rounds, pid)
    gated = {k: v for k, v in results.items() if k.startswith(("/ ", "/?", "/wilayah/"))}
    gated = {k: v for k, v in gated.items() if "feed" not in k}
    worst = max(r["p95_ms"] for r in gated.values())
    worst_cpu = max(r["server_cpu_ms"] for r in gated.values())
    summary = {
        "worst_page_server_cpu_ms": worst_cpu,
        "announcements": args.announcements,
        "rounds": args.rounds,
        "load_average": os.getloadavg(),
        "worst_page_p95_ms": worst,
        "target_ms": TARGET_MS,
        "ok": worst <= TARGET_MS,
        "pages": results,
    }
    sys.stdout.write(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
