"""Hoax reports filed per second against 100,000 existing cases, clustering on.

    python -m bench.hoax_ingest --cases 100000 --reports 5000

A SQLite store (the default engine) is filled with ``--cases`` cases, each with its lookup keys
(exact text key and MinHash bands, computed by the real :mod:`broadcaster.hoaxdesk.cluster`),
written straight into the tables so the set-up takes seconds, not the hours a report-by-report
fill would. Texts are synthetic Indonesian chain messages: 14-30 words drawn from a vocabulary
of ~3,000 words plus numbers and links, so unrelated cases share common words as real ones do.

Then ``--reports`` reports go through :class:`broadcaster.hoaxdesk.batch.ReportBatcher` as the
Inbox files them — ``--concurrency`` at a time, each from a subscribed group (so the group's
region is looked up) — a mix of exact repeats of existing cases (30 %), variants (capitals,
emoji, "Sebarkan!!", tracking parameters, an added sentence: 50 %) and new claims (20 %).
The store is filled once; each ``--runs`` ingests into a fresh copy in a child process, which
reports whether every variant found its case and every new claim opened one, the rate (wall and
per CPU second: the machine is shared) and its own peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path

from broadcaster.hoaxdesk import cluster
from broadcaster.hoaxdesk.batch import ReportBatcher
from broadcaster.hoaxdesk.intake import ReportIn
from broadcaster.store.records import AuditRecord, NewGroup, Region
from broadcaster.store.sqlite import SqliteStore
from content.model import Level

from .common import log, peak_rss_mb

SYLLABLES = [
    "ba", "be", "bi", "bu", "da", "di", "du", "ga", "gu", "ka", "ke", "ki", "ku", "la", "li",
    "ma", "me", "mi", "mu", "na", "ni", "nu", "pa", "pe", "pi", "ra", "ri", "ru", "sa", "se",
    "si", "su", "ta", "te", "ti", "tu", "wa", "ya", "ng", "an", "at", "ar",
]  # fmt: skip
COMMON = [
    "yang",
    "di",
    "dan",
    "ke",
    "dari",
    "akan",
    "ini",
    "itu",
    "untuk",
    "dengan",
    "warga",
    "besok",
    "hari",
    "ada",
    "tidak",
    "sudah",
    "pemerintah",
    "kota",
    "kabupaten",
    "desa",
    "info",
    "segera",
    "semua",
    "mulai",
    "bantuan",
    "hati",
    "hati",
    "awas",
    "berita",
    "resmi",
    "jangan",
]
ADDED = ["Sebarkan!!", "🙏🙏", "Info dari grup sebelah.", "Mohon dicek kebenarannya.", "‼️"]
REGIONS = [f"3671010001.RW00{rw}.RT00{rt}" for rw in range(1, 4) for rt in range(1, 4)]


def vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def claim(rng: random.Random, words: list[str]) -> str:
    picked = [
        rng.choice(COMMON) if rng.random() < 0.35 else rng.choice(words)
        for _ in range(rng.randint(14, 30))
    ]
    picked.insert(rng.randint(0, len(picked)), str(rng.randint(1, 31)))
    if rng.random() < 0.4:
        picked.append(f"https://bit.ly/{rng.randint(10**6, 10**7):x}")
    return " ".join(picked).capitalize() + "."


def variant(rng: random.Random, text: str) -> str:
    choice = rng.randrange(5)
    if choice == 0:
        return text.upper() if "bit.ly" not in text else text.replace(text[:20], text[:20].upper())
    if choice == 1:
        return "🚨 " + text + " " + rng.choice(ADDED)
    if choice == 2:
        return rng.choice(ADDED) + " " + text.removesuffix(".") + " !!!"
    if choice == 3 and "https://bit.ly/" in text:
        link = text.split("https://bit.ly/", 1)[1].split()[0].rstrip(".")
        return text.replace(f"https://bit.ly/{link}", f"http://bit.ly/{link}?utm_source=wa")
    return text + " Hati hati ya bapak ibu."


def _keys(text: str) -> tuple[str, str, list[str]]:
    keys = cluster.keys_for(text, None, None, None)
    return keys.norm, text[:280], keys.all


def fill(path: Path, texts: list[str]) -> None:
    """The cases and their keys, straight into the migrated tables (set-up only)."""
    with Pool(2) as pool:
        rows = pool.map(_keys, texts, chunksize=2000)
    db = sqlite3.connect(path)
    now = time.time() - 86400
    with db:
        db.executemany(
            "INSERT INTO hoax_cases(id, code, status, norm, summary, reports, first_seen, "
            "last_seen) VALUES (?, ?, 'open', ?, ?, 1, ?, ?)",
            [(i + 1, f"HX-B{i:06d}", n, s, now, now) for i, (n, s, _) in enumerate(rows)],
        )
        db.executemany(
            "INSERT OR IGNORE INTO hoax_keys(key, case_id) VALUES (?, ?)",
            [(k, i + 1) for i, (_, _, ks) in enumerate(rows) for k in ks],
        )
    db.close()


async def seed(store: SqliteStore) -> None:
    audit = AuditRecord(actor="bench", action="seed", object_type="bench", object_id="")
    await store.import_regions(
        [
            Region(code="36", level=Level.province, name="BANTEN", parent=None),
            Region(code="3671", level=Level.regency, name="KOTA TANGERANG", parent="36"),
            Region(code="3671010", level=Level.district, name="CILEDUG", parent="3671"),
            Region(code="3671010001", level=Level.village, name="TAJUR", parent="3671010"),
            *[
                Region(
                    code=f"3671010001.RW00{rw}",
                    level=Level.rw,
                    name=f"RW {rw}",
                    parent="3671010001",
                )
                for rw in range(1, 4)
            ],
            *[
                Region(code=code, level=Level.rt, name=code[-5:], parent=code[:-6])
                for code in REGIONS
            ],
        ],
        audit,
    )
    for i, region in enumerate(REGIONS):
        await store.add_group(
            NewGroup(
                channel="telegram",
                account="tg",
                address=f"-100{i}",
                region=region,
                kind="rt",
                title=f"RT {i}",
                subscribed_by="bench",
            ),
            audit,
        )


async def ingest(
    store: SqliteStore, reports: list[str], concurrency: int
) -> tuple[float, list[int]]:
    queue = list(enumerate(reports))
    found: list[int] = [0] * len(reports)
    batcher = ReportBatcher(store, b"bench")

    async def worker() -> None:
        while queue:
            i, text = queue.pop()
            ack = await batcher.submit(
                ReportIn(
                    channel="telegram",
                    account="tg",
                    address=f"-100{i % len(REGIONS)}",
                    reporter=f"user{i}",
                    text=text,
                )
            )
            found[i] = ack.case_id

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - start
    log(f"{batcher.batches} transactions")
    return seconds, found


def workload(args: argparse.Namespace) -> tuple[list[str], list[str], list[int]]:
    """The cases' texts, the reports and the case each report belongs to (0: a new claim);
    the same for the same arguments, in every process."""
    rng = random.Random(14)
    words = vocabulary(rng)
    texts = [claim(rng, words) for _ in range(args.cases)]
    reports, expected = [], []
    for _ in range(args.reports):
        roll = rng.random()
        case = rng.randrange(args.cases)
        if roll < 0.3:
            reports.append(texts[case])
            expected.append(case + 1)
        elif roll < 0.8:
            reports.append(variant(rng, texts[case]))
            expected.append(case + 1)
        else:
            reports.append(claim(rng, words))
            expected.append(0)
    return texts, reports, expected


async def prepare(path: Path, texts: list[str]) -> None:
    store = SqliteStore(path)
    await store.open()
    await seed(store)
    await store.close()
    started = time.perf_counter()
    fill(path, texts)
    log(f"{len(texts)} cases with their keys filled in {time.perf_counter() - started:.1f} s")


async def measure(args: argparse.Namespace, path: Path) -> None:
    """The ingest alone, in a process of its own (its peak RSS is the ingest's)."""
    _, reports, expected = workload(args)
    store = SqliteStore(path)
    await store.open()
    cpu = time.process_time()
    seconds, found = await ingest(store, reports, args.concurrency)
    cpu = time.process_time() - cpu
    await store.close()
    joined = sum(1 for e, f in zip(expected, found, strict=True) if e and e == f)
    wanted = sum(1 for e in expected if e)
    fresh = sum(1 for e, f in zip(expected, found, strict=True) if not e and f > args.cases)
    print(
        f"cases {args.cases}, reports {args.reports}, concurrency {args.concurrency}: "
        f"{args.reports / seconds:,.0f} reports/s ({seconds:.2f} s wall, "
        f"{args.reports / cpu:,.0f} reports per CPU second); joined their case "
        f"{joined}/{wanted}; new claims opened new cases {fresh}/{args.reports - wanted}; "
        f"peak RSS of the ingesting process {peak_rss_mb():.0f} MiB"
    )


def main(args: argparse.Namespace) -> None:
    if args.db is not None:
        asyncio.run(measure(args, Path(args.db)))
        return
    folder = Path(tempfile.mkdtemp(prefix="hoax-bench-"))
    path = folder / "bench.db"
    texts, _, _ = workload(args)
    asyncio.run(prepare(path, texts))
    for _ in range(args.runs):
        copy = folder / "run.db"
        shutil.copyfile(path, copy)
        command = [sys.executable, "-m", "bench.hoax_ingest", "--db", str(copy)]
        for name in ("cases", "reports", "concurrency"):
            command += [f"--{name}", str(getattr(args, name))]
        subprocess.run(command, check=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(copy) + suffix).unlink(missing_ok=True)
    shutil.rmtree(folder)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--reports", type=int, default=5_000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--runs", type=int, default=1, help="ingests, each on a fresh copy")
    parser.add_argument("--db", help=argparse.SUPPRESS)  # the child: ingest into this file
    main(parser.parse_args())
