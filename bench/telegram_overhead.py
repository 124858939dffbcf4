"""Overhead of the whole pipeline with limits off: broadcaster's messages/s (plan, claim, render,
send through the Telegram adapter, record) against a raw python-telegram-bot send loop with the
same concurrency, on the same emulator (its own process, limits off). Target: >= 0.9x.

    python -m bench.telegram_overhead --groups 2000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import Bot
from telegram.request import HTTPXRequest

from broadcaster.app import App
from broadcaster.config import Settings
from broadcaster.engine import Engine
from content.model import Announcement, Target, Variant
from schedules.spec import ScheduleSpec

from .common import approve, log, seed_groups
from .tgsandbox import ExternalSandbox

OURS, RAW = "8001:OURS", "8002:RAW"
CONCURRENCY = 64


async def run_ours(url: str, chats: list[int]) -> tuple[float, str]:
    folder = Path(tempfile.mkdtemp(prefix="bench-overhead-"))
    os.environ["BENCH_TG_TOKEN"] = OURS
    settings = Settings(
        service={"data_dir": str(folder), "verify_line": True},
        store={"url": f"sqlite:///{folder / 'bench.db'}"},
        http={"enabled": False},
        engine={"idle_poll": 0.2, "max_in_flight": CONCURRENCY},
        schedule={"quiet_hours": "off"},
        accounts={
            "tg": {
                "adapter": "telegram",
                "base_url": url,
                "token_env": "BENCH_TG_TOKEN",
                "pool_size": CONCURRENCY,
                "limits": {
                    "global_per_second": None,
                    "per_address_interval": None,
                    "per_address_per_minute": None,
                },
            }
        },
    )
    await seed_groups(settings, [str(chat) for chat in chats], "telegram", "tg")
    async with App(settings) as app:
        content = Announcement(
            variants={"id": Variant(title="Peringatan dini", body="Mohon **waspada** banjir.")},
            source="BPBD Banten",
            target=Target(regions=["36"]),
        )
        record = await approve(app, content)
        adapter = app.adapters["tg"]
        from broadcaster.adapter import RenderContext

        text = str(
            adapter.render(
                record.content, "id", RenderContext(record.id, record.short_code, "http://x/v/X")
            )[0].payload["text"]
        )
        await adapter.start()
        engine = Engine(app.store, settings, app.adapters)
        await engine.start()
        started = time.perf_counter()
        schedule = await app.workflow.schedule("admin", record.id, ScheduleSpec.now())
        assert engine.bridge is not None
        await engine.bridge.fire(schedule.id, datetime.now(UTC))
        await engine.drain(3600)
        elapsed = time.perf_counter() - started
        await engine.stop()
        await adapter.stop()
    return len(chats) / elapsed, text


async def run_raw(url: str, chats: list[int], text: str) -> float:
    request = HTTPXRequest(connection_pool_size=CONCURRENCY)
    bot = Bot(RAW, base_url=f"{url}/bot", request=request)
    await bot.initialize()
    sem = asyncio.Semaphore(CONCURRENCY)

    async def one(chat: int) -> None:
        async with sem:
            await bot.send_message(chat, text, parse_mode="HTML")

    started = time.perf_counter()
    await asyncio.gather(*(one(c) for c in chats))
    elapsed = time.perf_counter() - started
    await bot.shutdown()
    return len(chats) / elapsed


async def main_async(groups: int) -> dict[str, Any]:
    async with ExternalSandbox([OURS, RAW], "--no-limits") as sb:
        log(f"emulator at {sb.url}; building {groups} groups …")
        chats = await sb.community(groups, [OURS, RAW])
        ours, text = await run_ours(sb.url, chats)
        raw = await run_raw(sb.url, chats, text)
    return {
        "groups": groups,
        "ours_messages_per_s": round(ours, 1),
        "raw_ptb_messages_per_s": round(raw, 1),
        "ratio": round(ours / raw, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int, default=2000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main_async(args.groups)), indent=2))


if __name__ == "__main__":
    main()
