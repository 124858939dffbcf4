"""Quota efficiency against the Telegram emulator: how close to the limits, with zero 429s.

The emulator (its own process) enforces a strict model: a sliding one-second window per bot
(exceeding it blocks the bot for a few seconds) and per-group limits. N groups each get the
announcement text and a native poll. Completion time / theoretical minimum, and 429 answers, for:

* broadcaster (core limiter + Telegram adapter, python-telegram-bot driver);
* a plain python-telegram-bot loop with its AIORateLimiter set to the same limits;
* a plain aiogram loop with a fixed sleep (1/rate) between messages, all texts then all polls.

    python -m bench.telegram_quota --groups 3000 --rate 90 --per-group-minute 60

Limits default to 90/s and 60/min per group: these 2-core machines cannot push much more through
a Python client and a Python emulator together, and the point is to measure the limiter.
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

from aiogram import Bot as AiogramBot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramRetryAfter
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter, ExtBot

from broadcaster.app import App
from broadcaster.config import Settings
from broadcaster.engine import Engine
from content.model import Announcement, Poll, Target, Variant
from schedules.spec import ScheduleSpec

from .common import approve, log, seed_groups
from .tgsandbox import ExternalSandbox

TOKENS = {"ours": "7001:OURS", "ptb": "7002:PTB", "aiogram": "7003:AIOGRAM"}
TEXT = "<b>Peringatan dini</b>\n\nMohon waspada potensi banjir malam ini."
QUESTION, OPTIONS = "Apakah wilayah Anda tergenang?", ["Ya", "Tidak"]


MARGIN = 0.0  # [engine] rate_margin for our run (the shipped default)


async def run_ours(url: str, chats: list[int], rate: float, per_minute: int) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="bench-quota-"))
    os.environ["BENCH_TG_TOKEN"] = TOKENS["ours"]
    settings = Settings(
        service={"data_dir": str(folder), "verify_line": False},
        store={"url": f"sqlite:///{folder / 'bench.db'}"},
        http={"enabled": False},
        engine={"idle_poll": 0.2, "rate_margin": MARGIN},
        schedule={"quiet_hours": "off"},
        accounts={
            "tg": {
                "adapter": "telegram",
                "driver": "ptb",
                "base_url": url,
                "token_env": "BENCH_TG_TOKEN",
                "limits": {
                    "global_per_second": rate,
                    "per_address_interval": 1.0,
                    "per_address_per_minute": per_minute,
                },
            }
        },
    )
    await seed_groups(settings, [str(chat) for chat in chats], "telegram", "tg")
    async with App(settings) as app:
        content = Announcement(
            variants={"id": Variant(title="Peringatan dini", body="Mohon waspada banjir.")},
            poll=Poll(question=QUESTION, options=OPTIONS),
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
        progress = await app.store.dispatch_progress((await app.store.list_dispatches())[0].id)
        await engine.stop()
        for adapter in app.adapters.values():
            await adapter.stop()
    return {"seconds": elapsed, "delivered": progress.by_status.get("sent", 0)}


async def run_ptb(url: str, chats: list[int], rate: float, per_minute: int) -> dict[str, Any]:
    limiter = AIORateLimiter(
        overall_max_rate=rate,
        overall_time_period=1,
        group_max_rate=per_minute,
        group_time_period=60,
        max_retries=10,
    )
    bot: ExtBot[Any] = ExtBot(TOKENS["ptb"], base_url=f"{url}/bot", rate_limiter=limiter)
    await bot.initialize()
    sem = asyncio.Semaphore(256)
    retries = 0

    async def one(chat: int) -> None:
        nonlocal retries
        async with sem:
            for _attempt in range(20):
                try:
                    await bot.send_message(chat, TEXT, parse_mode="HTML")
                    await bot.send_poll(chat, QUESTION, OPTIONS)
                    return
                except RetryAfter as exc:
                    retries += 1
                    delay = exc.retry_after
                    await asyncio.sleep(
                        delay.total_seconds() if hasattr(delay, "total_seconds") else float(delay)
                    )
            raise RuntimeError("gave up")

    started = time.perf_counter()
    await asyncio.gather(*(one(c) for c in chats))
    elapsed = time.perf_counter() - started
    await bot.shutdown()
    return {"seconds": elapsed, "delivered": len(chats), "client_retries": retries}


async def run_aiogram(url: str, chats: list[int], rate: float, per_minute: int) -> dict[str, Any]:
    bot = AiogramBot(
        TOKENS["aiogram"], session=AiohttpSession(api=TelegramAPIServer.from_base(url))
    )
    pause = 1.0 / rate
    started = time.perf_counter()
    options: list[Any] = list(OPTIONS)
    retries = 0
    # every text first, then every poll: back to back they would always hit the per-chat limit
    for kind in ("text", "poll"):
        for chat in chats:
            while True:
                try:
                    if kind == "text":
                        await bot.send_message(chat, TEXT, parse_mode="HTML")
                    else:
                        await bot.send_poll(chat, QUESTION, options, is_anonymous=True)
                    break
                except TelegramRetryAfter as exc:
                    retries += 1
                    await asyncio.sleep(exc.retry_after)
            await asyncio.sleep(pause)
    elapsed = time.perf_counter() - started
    await bot.session.close()
    return {"seconds": elapsed, "delivered": len(chats), "client_retries": retries}


async def main_async(groups: int, rate: float, per_minute: int, only: list[str]) -> dict[str, Any]:
    args = ["--global-per-second", str(rate), "--per-group-per-minute", str(per_minute)]
    results: dict[str, Any] = {"groups": groups, "messages": 2 * groups, "rate": rate}
    minimum = 2 * groups / rate
    results["theoretical_minimum_s"] = round(minimum, 2)
    async with ExternalSandbox(list(TOKENS.values()), *args) as sb:
        log(f"emulator at {sb.url}; building {groups} groups …")
        chats = await sb.community(groups, [t for name, t in TOKENS.items() if name in only])
        runners = {"ours": run_ours, "ptb": run_ptb, "aiogram": run_aiogram}
        for name in only:
            bot_id = int(TOKENS[name].split(":")[0])
            before = await sb.rate_limited(bot_id)
            log(f"running {name} …")
            outcome = await runners[name](sb.url, chats, rate, per_minute)
            outcome["answers_429"] = await sb.rate_limited(bot_id) - before
            outcome["ratio"] = round(outcome["seconds"] / minimum, 3)
            outcome["seconds"] = round(outcome["seconds"], 2)
            results[name] = outcome
            log(f"{name}: {outcome}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=90)
    parser.add_argument("--per-group-minute", type=int, default=60)
    parser.add_argument("--only", default="ours,ptb,aiogram")
    parser.add_argument("--margin", type=float, default=MARGIN, help="our [engine] rate_margin")
    args = parser.parse_args()
    globals()["MARGIN"] = args.margin
    only = [name for name in args.only.split(",") if name]
    print(
        json.dumps(
            asyncio.run(main_async(args.groups, args.rate, args.per_group_minute, only)), indent=2
        )
    )


if __name__ == "__main__":
    main()
