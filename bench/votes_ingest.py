"""Inbound vote webhooks ingested per second, with 1 and 2 web processes, on both engines.

    python -m bench.votes_ingest --engine postgres --web 1,2 --seconds 10
    python -m bench.votes_ingest --engine sqlite --web 1,2 --seconds 10
    python -m bench.votes_ingest --engine postgres --generator python --votes 20000

Real ``broadcaster run --role web`` processes serve the Telegram webhook route
(``POST /hooks/tg/telegram``, secret-token header checked first). The load generator keeps
``--connections`` keep-alive HTTP/1.1 connections busy (spread over the web processes), each
POSTing ``poll_answer`` updates, one new voter per update, for a poll the store knows:
``wrk`` (C; bench/votes.lua numbers the updates) when installed — a Python generator on the
same two cores would take much of the CPU it measures — else an asyncio generator in this
process (``--generator python``). Afterwards the store must hold exactly one vote per update
sent, and re-sending some of them (redeliveries) must change nothing. Reports votes/s, the
p50/p99 latency of one webhook request, and the CPU seconds per 1,000 votes of the web
processes, the database server and the generator (from /proc, over the measured run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import shutil
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
LUA = Path(__file__).with_name("votes.lua")
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
    audit = AuditRecord(actor="bench", action="setup", object_type="bench", object_id="votes")
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
        await store.import_regions(
            [Region(code=c, level=lv, name=c, parent=p) for c, lv, p in chain], audit
        )
        group = await store.add_group(
            NewGroup(
                channel="telegram",
                account="tg",
                address="-1001",
                region=RT,
                kind="rt",
                status=GroupStatus.active,
            ),
            audit,
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
        await store.add_polls(
            [
                PollRef(
                    account="tg",
                    poll_id=POLL_ID,
                    announcement_id=record.id,
                    dispatch_id=dispatch.id,
                    group_id=group.id,
                )
            ]
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_floor(port: int) -> None:
    """The HTTP stack alone, to attribute the CPU (``--floor``): FastAPI + uvicorn as
    ``broadcaster run`` sets them up, the real Telegram webhook route mounted at the same path
    (secret check, JSON parse, 200), handing each update to a sink that does nothing — no
    mapping, no inbox, no store. A baseline for reading the results, never a result itself."""
    import uvicorn
    from fastapi import FastAPI
    from starlette.responses import PlainTextResponse
    from starlette.routing import Router

    from adapters.telegram.webhook import webhook_routes

    async def ignore(update: object) -> None:
        return None

    app = FastAPI(docs_url=None, redoc_url=None)
    app.add_route("/healthz", lambda request: PlainTextResponse("ok"))
    app.mount("/hooks/tg", Router(routes=webhook_routes("tg", SECRET, ignore)))
    use_fast_event_loop()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")


def start(folder: Path, n: int, port: int, floor: bool = False) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BROADCASTER_SERVICE__DATA_DIR": str(folder / f"var{n}"),
        "BROADCASTER_HTTP__PORT": str(port),
        "BROADCASTER_SECRET": "bench-shared-salt",  # every web process hashes voters alike
        "BENCH_HOOK_SECRET": SECRET,
    }
    args = [sys.executable, "-m", "broadcaster", "run", "--config", str(folder / "config.toml")]
    if floor:
        args = [sys.executable, "-m", "bench.votes_ingest", "--serve-floor", str(port)]
        env["PYTHONPATH"] = str(Path(__file__).parents[1])
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
    """The asyncio generator: ``votes`` updates numbered from ``first``."""
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
        "sent": votes,
        "seconds": round(elapsed, 2),
        "votes_per_second": round(votes / elapsed, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1),
    }


async def wrk(ports: list[int], first: int, seconds: int, connections: int) -> dict[str, float]:
    """``wrk`` for ``seconds``: one thread per web process, updates numbered from ``first``."""
    args = [
        "wrk",
        f"-t{len(ports)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{ports[0]}",
        "--",
        SECRET,
        POLL_ID,
        str(first),
    ]
    env = {**os.environ, "VOTES_PORTS": ",".join(map(str, ports))}
    child = await asyncio.create_subprocess_exec(
        *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await child.communicate()
    found = re.search(r"^WRK_RESULT (.*)$", out.decode(), re.MULTILINE)
    if child.returncode != 0 or found is None:
        raise RuntimeError(f"wrk failed: {out.decode()[-500:]} {err.decode()[-500:]}")
    result = json.loads(found.group(1))
    if result["bad"] or result["errors"]:
        raise RuntimeError(f"wrk saw {result['bad']} non-200 answers, {result['errors']} errors")
    return {
        "sent": result["generated"],
        "seconds": result["seconds"],
        "votes_per_second": round(result["ok"] / result["seconds"], 1),
        "p50_ms": round(result["p50_ms"], 1),
        "p99_ms": round(result["p99_ms"], 1),
    }


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of the processes (and their reaped children), from /proc."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def postgres_pids() -> list[int]:
    """Every process of the local PostgreSQL server (the database's CPU, all its backends)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


async def stored_votes(folder: Path) -> int:
    settings = load_settings(folder / "config.toml")
    async with App(settings) as app:
        tallies = await app.store.poll_tally(1, 2)
    return sum(sum(t.counts) for t in tallies)


async def one_round(
    folder: Path, engine: str, url: str, web: int, args: argparse.Namespace
) -> dict[str, object]:
    if not args.floor:
        await setup(folder, engine, url)
    ports = [free_port() for _ in range(web)]
    children = [start(folder, n, port, args.floor) for n, port in enumerate(ports)]
    warm = 2000
    try:
        await asyncio.gather(*(wait_ready(p) for p in ports))
        await load(ports, 1, warm, args.connections)  # warm-up (not measured)
        db = postgres_pids() if engine == "postgres" else []
        web_pids = [c.pid for c in children]
        load_before = os.getloadavg()[0]
        before = cpu_seconds(web_pids), cpu_seconds(db), resource.getrusage(resource.RUSAGE_SELF)
        gen_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        if args.generator == "wrk":
            result = await wrk(ports, 999_999, args.seconds, args.connections)
        else:
            result = await load(ports, 1_000_000, args.votes, args.connections)
        mine = resource.getrusage(resource.RUSAGE_SELF)
        load_after = os.getloadavg()[0]
        gen_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        web_cpu, db_cpu = cpu_seconds(web_pids) - before[0], cpu_seconds(db) - before[1]
        if args.generator == "wrk":
            gen_cpu = gen_after.ru_utime + gen_after.ru_stime - gen_before.ru_utime
            gen_cpu -= gen_before.ru_stime
        else:
            gen_cpu = mine.ru_utime + mine.ru_stime - before[2].ru_utime - before[2].ru_stime
        await asyncio.sleep(1.0)  # requests in flight when wrk stopped are still committed
        # redeliveries of updates already applied (both generators sent 1,000,000 onwards):
        # answered 200, counted once
        await load(ports, 1_000_000, 200, 8)
    except BaseException:
        for n in range(web):
            log(f"--- w{n}.log ---\n" + (folder / f"w{n}.log").read_text()[-3000:])
        raise
    finally:
        for child in children:
            child.send_signal(signal.SIGTERM)
        for child in children:
            child.wait(60)
    stored = await stored_votes(folder) if not args.floor else 0
    expected = warm + int(result["sent"]) if not args.floor else 0
    if stored != expected:
        raise RuntimeError(f"{stored} votes stored, {expected} sent")
    per_k = 1000 / int(result["sent"])
    cpu = {
        "web_cpu_s_per_1k": round(web_cpu * per_k, 3),
        "db_cpu_s_per_1k": round(db_cpu * per_k, 3),
        "generator_cpu_s_per_1k": round(gen_cpu * per_k, 3),
        "load_before": load_before,  # 1-minute load average: other jobs share the machine
        "load_after": load_after,
    }
    if args.floor:
        engine = "none (--floor: HTTP stack only)"
    log(f"{engine}, {web} web process(es), {args.generator}: {result} {cpu}")
    return {"engine": engine, "web_processes": web, "generator": args.generator, **result, **cpu}


def main() -> None:
    os.environ["BENCH_HOOK_SECRET"] = SECRET  # the setup builds the account too
    use_fast_event_loop()  # the load generator shares the 2 cores: keep it cheap
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--web", default="1,2")
    parser.add_argument("--generator", choices=["wrk", "python"], default=None)
    parser.add_argument("--seconds", type=int, default=10, help="run length with wrk")
    parser.add_argument("--votes", type=int, default=20_000, help="votes sent by python")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--url", default=os.environ.get("BROADCASTER_TEST_PG_URL", DEFAULT_URL))
    parser.add_argument("--repeat", type=int, default=1, help="rounds per web-process count")
    parser.add_argument("--floor", action="store_true", help="the HTTP stack alone (baseline)")
    parser.add_argument("--serve-floor", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_floor:
        serve_floor(args.serve_floor)
        return
    if args.generator is None:
        args.generator = "wrk" if shutil.which("wrk") else "python"
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
            for _ in range(args.repeat):
                results.append(asyncio.run(one_round(folder, args.engine, args.url, web, args)))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
