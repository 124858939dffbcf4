"""Inbound vote webhooks ingested per second, with 1 and 2 web processes, on both engines.

    python -m bench.votes_ingest --engine postgres --web 1,2 --votes 20000
    python -m bench.votes_ingest --engine sqlite --web 1,2 --votes 20000

Real ``broadcaster run --role web`` processes serve the Telegram webhook route
(``POST /hooks/tg/telegram``, secret-token header checked first). A load generator in this process
keeps ``--connections`` keep-alive HTTP/1.1 connections busy (spread over the web processes),
each POSTing ``poll_answer`` updates, one new voter per update, for a poll the store knows. Each
answer is only counted when it is 200; afterwards the store must hold exactly one vote per update
sent. Reports votes/s over the whole run and the p50/p99 latency of one webhook request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

from broadcaster.app import App
from broadcaster.config import load_settings
from broadcaster.service import use_fast_event_loop
from broadcaster.store.records import AuditRecord, GroupStatus, NewGroup, PollRef, Region
from content.hashing import content_hash
from content.model import Announcement, Level, Priority, Target, Variant

from .common import log

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_votes"
SECRET = "bench-webhook-secret"
POLL_ID = "5000000001"
RT = "3671010001.RW001.RT001"


def config_text(store: str) -> str:
    return f"""
[service]
data_dir = "var"
roles = ["web"]
[store]
{store}
pool_max = 8
[http]
enabled = true
host = "127.0.0.1"
[schedule]
quiet_hours = "off"
[accounts.tg]
adapter = "telegram"
sandbox = true
updates = "webhook"
webhook_url = "http://127.0.0.1:9/hooks/tg/telegram"
webhook_secret_env = "BENCH_HOOK_SECRET"
"""


async def setup(folder: Path, engine: str, url: str) -> None:
    """One RT group on account tg, an announcement, its dispatch and the poll we "sent"."""
    if engine == "postgres":
        conn = await asyncpg.connect(url)
        await conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        await conn.close()
    else:
        (folder / "bench.db").unlink(missing_ok=True)
    settings = load_settings(folder / "config.toml")
    audit = AuditRecord("bench", "setup", "bench", "votes")
    async with App(settings) as app:
        store = app.store
        chain = [
            ("36", Level.province, None),
            ("3671", Level.regency, "36"),
            ("3671010", Level.district, "3671"),
            ("3671010001", Level.village, "3671010"),
            ("3671010001.RW001", Level.rw, "3671010001"),
            (RT, Level.rt, "3671010001.RW001"),
        ]
        await store.import_regions([Region(c, lv, c, p) for c, lv, p in chain], audit)
        group = await store.add_group(
            NewGroup("telegram", "tg", "-1001", RT, "rt", status=GroupStatus.active), audit
        )
        content = Announcement(
            variants={"id": Variant(title="Uji suara", body="Pilih satu.")},
            target=Target(regions=["36"]),
        )
        record = await store.create_announcement("bench", content, content_hash(content), audit)
        dispatch = await store.create_dispatch(
            record.id, None, "bench@1", Priority.normal, record.content_hash, {}, "bench", audit
        )
        assert dispatch is not None
        await store.add_polls([PollRef("tg", POLL_ID, record.id, dispatch.id, group.id)])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(folder: Path, n: int, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BROADCASTER_SERVICE__DATA_DIR": str(folder / f"var{n}"),
        "BROADCASTER_HTTP__PORT": str(port),
        "BROADCASTER_SECRET": "bench-shared-salt",  # every web process hashes voters alike
        "BENCH_HOOK_SECRET": SECRET,
    }
    args = [sys.executable, "-m", "broadcaster", "run", "--config", str(folder / "config.toml")]
    return subprocess.Popen(
        args,
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(folder / f"w{n}.log", "ab"),
    )


async def wait_ready(port: int, within: float = 120) -> None:
    deadline = time.monotonic() + within
    while True:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n")
            await writer.drain()
            status = await reader.readline()
            writer.close()
            if b" 200 " in status:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"web process on port {port} not ready")
        await asyncio.sleep(0.2)


def request(n: int) -> bytes:
    body = json.dumps(
        {
            "update_id": n,
            "poll_answer": {
                "poll_id": POLL_ID,
                "user": {"id": 10_000_000 + n, "is_bot": False, "first_name": "Warga"},
                "option_ids": [n % 2],
            },
        }
    ).encode()
    head = (
        "POST /hooks/tg/telegram HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def connection(port: int, numbers: list[int], latencies: list[float]) -> None:
    """One keep-alive connection sending its share of the updates, one at a time."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for n in numbers:
            started = time.perf_counter()
            writer.write(request(n))
            status = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            if b" 200 " not in status:
                raise RuntimeError(f"update {n}: {status.decode().strip()}")
            latencies.append(time.perf_counter() - started)
    finally:
        writer.close()


async def load(ports: list[int], first: int, votes: int, connections: int) -> dict[str, float]:
    latencies: list[float] = []
    numbers = list(range(first, first + votes))
    shares = [numbers[i::connections] for i in range(connections)]
    started = time.perf_counter()
    await asyncio.gather(
        *(connection(ports[i % len(ports)], share, latencies) for i, share in enumerate(shares))
    )
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "votes": votes,
        "seconds": round(elapsed, 2),
        "votes_per_second": round(votes / elapsed, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1),
    }


async def stored_votes(folder: Path) -> int:
    settings = load_settings(folder / "config.toml")
    async with App(settings) as app:
        tallies = await app.store.poll_tally(1, 2)
    return sum(sum(t.counts) for t in tallies)


async def one_round(
    folder: Path, engine: str, url: str, web: int, votes: int, connections: int
) -> dict[str, float]:
    await setup(folder, engine, url)
    ports = [free_port() for _ in range(web)]
    children = [start(folder, n, port) for n, port in enumerate(ports)]
    try:
        await asyncio.gather(*(wait_ready(p) for p in ports))
        await load(ports, 1, min(2000, votes), connections)  # warm-up (not measured)
        result = await load(ports, 1_000_000, votes, connections)
    except BaseException:
        for n in range(web):
            log(f"--- w{n}.log ---\n" + (folder / f"w{n}.log").read_text()[-3000:])
        raise
    finally:
        for child in children:
            child.send_signal(signal.SIGTERM)
        for child in children:
            child.wait(60)
    stored = await stored_votes(folder)
    expected = min(2000, votes) + votes
    if stored != expected:
        raise RuntimeError(f"{stored} votes stored, {expected} sent")
    log(f"{engine}, {web} web process(es): {result}")
    return {"engine": engine, "web_processes": web, **result}  # type: ignore[dict-item]


def main() -> None:
    os.environ["BENCH_HOOK_SECRET"] = SECRET  # the setup builds the account too
    use_fast_event_loop()  # the load generator shares the 2 cores: keep it cheap
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--web", default="1,2")
    parser.add_argument("--votes", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--url", default=os.environ.get("BROADCASTER_TEST_PG_URL", DEFAULT_URL))
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-votes-") as tmp:
        folder = Path(tmp)
        store = (
            f'url = "{args.url}"\nschema = "{SCHEMA}"'
            if args.engine == "postgres"
            else f'url = "sqlite:///{folder / "bench.db"}"'
        )
        (folder / "config.toml").write_text(config_text(store))
        for web in [int(w) for w in args.web.split(",")]:
            results.append(
                asyncio.run(
                    one_round(folder, args.engine, args.url, web, args.votes, args.connections)
                )
            )
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
