"""WhatsApp Cloud API throughput: a real dispatch through the engine to the Cloud API emulator
running in its own process at Meta's default 80 messages/s per number (sliding one-second
window; every request over it gets 130429).

As in production, the status webhooks flow back while the broadcast runs: the emulator posts a
signed ``sent`` and a ``delivered`` for every accepted message (about two per message) to the
service's own HTTP app (uvicorn on uvloop, in the same process and event loop as the senders,
as ``broadcaster run`` serves it), which verifies, parses and records each one.
``--no-statuses`` measures without them.

Measures the achieved rate as the emulator saw it (accepted messages / time from first to last)
against the limit, the number of 130429 answers, and the status webhooks the service accepted
while sending and in all. Target: ratio ≥ 0.95 with zero 130429, statuses flowing.

    .venv/bin/python -m bench.whatsapp_rate --recipients 1600 --rate 80
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from bench.common import approve, log, seed_groups
from broadcaster.app import App
from broadcaster.config import Settings
from broadcaster.engine import Engine
from broadcaster.http import create_http_app
from broadcaster.service import use_fast_event_loop
from content.model import Announcement, Target, Variant
from schedules.spec import ScheduleSpec


def start_emulator(rate: float, statuses: bool) -> tuple[subprocess.Popen[str], dict[str, str]]:
    args = [sys.executable, "-m", "adapters.sandbox.whatsapp", "--port", "0", "--rate", str(rate)]
    proc = subprocess.Popen(
        [*args, *([] if statuses else ["--no-statuses"])],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    info: dict[str, str] = json.loads(proc.stdout.readline())
    return proc, info


async def residents(url: str, addresses: list[str]) -> None:
    """The recipients as residents the emulator knows (reachable, not reading: each accepted
    message gets a ``sent`` and a ``delivered`` status webhook)."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        for address in addresses:
            body = {"wa_id": address, "name": "Warga", "reachable": True, "reads": False}
            (await client.post("/_sandbox/residents", json=body)).raise_for_status()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def run(recipients: int, rate: float, margin: float, statuses: bool) -> dict[str, Any]:
    proc, info = start_emulator(rate, statuses)
    try:
        folder = Path(tempfile.mkdtemp(prefix="bench-wa-"))
        os.environ["BENCH_WA_TOKEN"] = info["token"]
        os.environ["BENCH_WA_SECRET"] = info["app_secret"]
        settings = Settings(
            service={"data_dir": str(folder), "verify_line": True},
            store={"url": f"sqlite:///{folder / 'bench.db'}"},
            http={"enabled": False},
            engine={"idle_poll": 0.2, "rate_margin": margin},
            schedule={"quiet_hours": "off"},
            accounts={
                "wa": {
                    "adapter": "whatsapp",
                    "base_url": info["url"],
                    "phone_number_id": info["phone_number_id"],
                    "token_env": "BENCH_WA_TOKEN",
                    "app_secret_env": "BENCH_WA_SECRET",
                    "template": "pengumuman_resmi",
                    "rate": rate,
                }
            },
        )
        # nobody wrote in the last 24 h: every message is the approved template (as a real
        # broadcast to opted-in residents is)
        addresses = [f"62812{i:08d}" for i in range(recipients)]
        await seed_groups(settings, addresses, "whatsapp", "wa")
        port = free_port()
        if statuses:
            await residents(info["url"], addresses)
        async with App(settings) as app:
            content = Announcement(
                variants={"id": Variant(title="Peringatan dini", body="Mohon waspada banjir.")},
                target=Target(regions=["36"]),
            )
            record = await approve(app, content)
            for adapter in app.adapters.values():
                await adapter.start()
            engine = Engine(app.store, settings, app.adapters)
            await engine.start()
            server = uvicorn.Server(
                uvicorn.Config(
                    create_http_app(engine),
                    host="127.0.0.1",
                    port=port,
                    log_level="warning",
                    lifespan="off",
                )
            )
            server_task = asyncio.create_task(server.serve())
            while not server.started:
                await asyncio.sleep(0.01)
            async with httpx.AsyncClient(base_url=info["url"]) as emulator:
                hook = f"http://127.0.0.1:{port}/hooks/wa/whatsapp"
                await emulator.post("/_sandbox/config", json={"webhook_url": hook})
                started = time.perf_counter()
                cpu_started = time.process_time()
                schedule = await app.workflow.schedule("admin", record.id, ScheduleSpec.now())
                assert engine.bridge is not None
                await engine.bridge.fire(schedule.id, datetime.now(UTC))
                await engine.drain(3600)
                elapsed = time.perf_counter() - started
                cpu = time.process_time() - cpu_started
                during = (await emulator.get("/_sandbox/stats")).json()["webhooks_sent"]
                # let the statuses still on their way arrive (they are not what is measured)
                deadline = time.monotonic() + 60
                while statuses and time.monotonic() < deadline:
                    stats = (await emulator.get("/_sandbox/stats")).json()
                    if stats["webhooks_sent"] + stats["webhooks_failed"] >= 2 * stats["accepted"]:
                        break
                    await asyncio.sleep(0.5)
                stats = (await emulator.get("/_sandbox/stats")).json()
            dispatch = (await app.store.list_dispatches())[0]
            progress = await app.store.dispatch_progress(dispatch.id)
            receipts = await app.store.receipt_counts(dispatch.id)
            server.should_exit = True
            await server_task
            await engine.stop()
            for adapter in app.adapters.values():
                await adapter.stop()
    finally:
        proc.terminate()
        proc.wait()
    span = stats["last_at"] - stats["first_at"]
    achieved = (stats["accepted"] - 1) / span if span > 0 else 0.0
    return {
        "recipients": recipients,
        "limit_per_s": rate,
        "sent": progress.by_status.get("sent", 0),
        "accepted_by_emulator": stats["accepted"],
        "achieved_per_s": round(achieved, 2),
        "ratio": round(achieved / rate, 4),
        "errors_130429": stats["errors"].get("130429", 0),
        "errors": stats["errors"],
        "status_webhooks_while_sending": during,
        "status_webhooks": stats["webhooks_sent"],
        "status_webhooks_failed": stats["webhooks_failed"],
        "receipts": receipts,
        "wall_seconds": round(elapsed, 2),
        # this process (engine, senders, HTTP app) only; the emulator runs in its own
        "cpu_seconds": round(cpu, 2),
        "load_1min": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=2400)
    parser.add_argument("--rate", type=float, default=80.0)
    parser.add_argument("--margin", type=float, default=0.0, help="engine.rate_margin (shipped: 0)")
    parser.add_argument(
        "--no-statuses", action="store_true", help="no status webhooks flowing back"
    )
    args = parser.parse_args()
    use_fast_event_loop()  # as `broadcaster run` does
    result = asyncio.run(run(args.recipients, args.rate, args.margin, not args.no_statuses))
    log(json.dumps(result))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
