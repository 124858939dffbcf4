"""WhatsApp Cloud API throughput: a real dispatch through the engine to the Cloud API emulator
running in its own process at Meta's default 80 messages/s per number (sliding one-second
window; every request over it gets 130429).

Measures the achieved rate as the emulator saw it (accepted messages / time from first to last)
against the limit, and the number of 130429 answers. Target: ratio ≥ 0.97 with zero 130429.

    .venv/bin/python -m bench.whatsapp_rate --recipients 2400 --rate 80
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.common import approve, log, seed_groups
from broadcaster.app import App
from broadcaster.config import Settings
from broadcaster.engine import Engine
from content.model import Announcement, Target, Variant
from schedules.spec import ScheduleSpec


def start_emulator(rate: float) -> tuple[subprocess.Popen[str], dict[str, str]]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "adapters.sandbox.whatsapp",
            "--port",
            "0",
            "--rate",
            str(rate),
            "--no-statuses",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    info: dict[str, str] = json.loads(proc.stdout.readline())
    return proc, info


async def run(recipients: int, rate: float, margin: float) -> dict[str, Any]:
    proc, info = start_emulator(rate)
    try:
        folder = Path(tempfile.mkdtemp(prefix="bench-wa-"))
        os.environ["BENCH_WA_TOKEN"] = info["token"]
        os.environ["BENCH_WA_SECRET"] = info["app_secret"]
        settings = Settings(
            service={"data_dir": str(folder), "verify_line": False},
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
            started = time.perf_counter()
            schedule = await app.workflow.schedule("admin", record.id, ScheduleSpec.now())
            assert engine.bridge is not None
            await engine.bridge.fire(schedule.id, datetime.now(UTC))
            await engine.drain(3600)
            elapsed = time.perf_counter() - started
            dispatch = (await app.store.list_dispatches())[0]
            progress = await app.store.dispatch_progress(dispatch.id)
            await engine.stop()
            for adapter in app.adapters.values():
                await adapter.stop()
        async with httpx.AsyncClient() as client:
            stats = (await client.get(f"{info['url']}/_sandbox/stats")).json()
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
        "wall_seconds": round(elapsed, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=2400)
    parser.add_argument("--rate", type=float, default=80.0)
    parser.add_argument("--margin", type=float, default=0.0, help="engine.rate_margin (shipped: 0)")
    args = parser.parse_args()
    result = asyncio.run(run(args.recipients, args.rate, args.margin))
    log(json.dumps(result))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
