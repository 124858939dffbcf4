"""Notices go out through the account's sender like any delivery (issue 12, point 2): the same
rate limiter, the same hold and pause, the same error table; the sender wakes for a new notice
through the work signal; the engine has no send path of its own."""

from __future__ import annotations

import ast
import asyncio
import itertools
import time
from pathlib import Path

import pytest

import broadcaster
from broadcaster.adapter import Limits
from broadcaster.engine.ratelimit import RateLimiter
from broadcaster.errors import (
    AccountBlocked,
    PermanentError,
    RateLimited,
    RecipientGone,
    TransientError,
)
from tests.core.harness import Rig, rig

ROOT = Path(broadcaster.__file__).parent
CHAT = "-100123"


async def _wait_for(check: object, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("condition never held")
        await asyncio.sleep(0.01)


def _failing_notify(r: Rig, errors: list[Exception]) -> list[str]:
    """Make the scripted account's notify raise ``errors`` one by one, then succeed; the texts
    it was asked to send, in order."""
    adapter = r.adapter()
    asked: list[str] = []
    original = adapter.notify

    async def notify(address: str, text: str) -> None:
        asked.append(text)
        if errors:
            raise errors.pop(0)
        await original(address, text)

    adapter.notify = notify  # type: ignore[method-assign]
    return asked


async def test_a_running_sender_wakes_for_a_new_notice(tmp_path: Path) -> None:
    # idle_poll far above the wait below: only the work signal can explain the notice going out
    async with rig(tmp_path, engine={"idle_poll": 60.0}) as r:
        await asyncio.sleep(0.2)  # the sender's first round (nothing queued) is over
        await r.app.store.add_notice("scripted", CHAT, "Selamat datang")
        await _wait_for(lambda: r.adapter().notices, within=10.0)
        assert r.adapter().notices == [(CHAT, "Selamat datang")]
        assert await r.app.store.pending_notices("scripted") == []


async def test_notices_share_the_accounts_rate_limiter(tmp_path: Path) -> None:
    accounts = {"scripted": {"adapter": "scripted", "limits": {"per_address_interval": 0.3}}}
    async with rig(tmp_path, start=False, accounts=accounts) as r:
        sender = r.engine.senders["scripted"]
        stamps: list[float] = []
        adapter = r.adapter()
        original = adapter.notify

        async def notify(address: str, text: str) -> None:
            stamps.append(time.monotonic())
            await original(address, text)

        adapter.notify = notify  # type: ignore[method-assign]
        for i in range(3):
            await r.app.store.add_notice("scripted", CHAT, f"pesan {i}")
        assert await r.engine.send_notices() == 3
        gaps = [b - a for a, b in itertools.pairwise(stamps)]
        assert len(gaps) == 2 and all(g >= 0.29 for g in gaps), gaps
        # the sends were counted by the account's limiter: the next one waits as well
        assert sender.limiter.address_ready_in(CHAT) > 0


async def test_nothing_is_sent_while_the_account_is_held_or_paused(tmp_path: Path) -> None:
    async with rig(tmp_path, start=False) as r:
        sender = r.engine.senders["scripted"]
        await r.app.store.add_notice("scripted", CHAT, "menunggu")
        sender.limiter.pause(30.0)
        assert await r.engine.send_notices() == 0
        assert r.adapter().notices == []
        sender.limiter = RateLimiter(Limits())  # the pause is over
        sender.hold.start(time.time() + 30.0, "daily_cap", "cap reached")
        assert await r.engine.send_notices() == 0
        assert r.adapter().notices == []
        sender.hold.until = time.time() - 1.0  # the hold is over
        assert await r.engine.send_notices() == 1
        assert r.adapter().notices == [(CHAT, "menunggu")]


async def test_a_rate_limited_notice_pauses_the_account_and_waits(tmp_path: Path) -> None:
    async with rig(tmp_path, start=False) as r:
        sender = r.engine.senders["scripted"]
        asked = _failing_notify(r, [RateLimited("slow down", retry_after=120.0)])
        await r.app.store.add_notice("scripted", CHAT, "satu")
        await r.app.store.add_notice("scripted", CHAT, "dua")
        assert await r.engine.send_notices() == 0
        assert asked == ["satu"]  # the round ended at the first: the rest waits behind it
        assert sender.limiter.paused_for > 100  # the whole account pauses, as for a delivery
        assert sender.hold.active()  # a pause over HOLD_AFTER holds the account
        assert r.engine.metrics.rate_limits.labels("scripted", "scripted")._value.get() == 1
        assert len(await r.app.store.pending_notices("scripted")) == 2


async def test_a_blocked_account_holds_and_keeps_the_notice(tmp_path: Path) -> None:
    async with rig(tmp_path, start=False) as r:
        sender = r.engine.senders["scripted"]
        _failing_notify(r, [AccountBlocked("restricted", pause=None)])
        await r.app.store.add_notice("scripted", CHAT, "satu")
        assert await r.engine.send_notices() == 0
        assert sender.hold.active() and sender.blocked_reason is not None
        assert len(await r.app.store.pending_notices("scripted")) == 1


@pytest.mark.parametrize(
    ("error", "kept"),
    [
        (TransientError("timeout"), True),
        (OSError("connection reset"), True),
        (ValueError("adapter bug"), True),
        (PermanentError("chat not found"), False),
        (RecipientGone("bot was kicked"), False),
    ],
    ids=["transient", "oserror", "unexpected", "permanent", "gone"],
)
async def test_a_failed_notice_follows_the_outcome_table(
    tmp_path: Path, error: Exception, kept: bool
) -> None:
    async with rig(tmp_path, start=False) as r:
        asked = _failing_notify(r, [error])
        await r.app.store.add_notice("scripted", CHAT, "satu")
        await r.app.store.add_notice("scripted", CHAT, "dua")
        sent = await r.engine.send_notices()
        pending = [n.text for n in await r.app.store.pending_notices("scripted")]
        if kept:  # for the next round, ahead of the rest
            assert sent == 0 and asked == ["satu"] and pending == ["satu", "dua"]
            assert await r.engine.send_notices() == 2
            assert [t for _, t in r.adapter().notices] == ["satu", "dua"]
        else:  # ended with the error; the next one goes out in the same round
            assert sent == 1 and asked == ["satu", "dua"] and pending == []
            assert [t for _, t in r.adapter().notices] == ["dua"]


def test_the_engine_has_no_send_path_of_its_own() -> None:
    """engine.py neither calls an adapter's notify/send nor uses a rate limiter's slot,
    pause or error classes: it only asks the senders."""
    tree = ast.parse((ROOT / "engine" / "engine.py").read_text("utf-8"))
    calls = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    assert not calls & {"notify", "send", "slot", "acquire", "pause", "finish_notice"}, calls
    handlers = [n for n in ast.walk(tree) if isinstance(n, ast.ExceptHandler) and n.type]
    names = {ast.unparse(h.type) for h in handlers if h.type is not None}
    assert not names & {"RateLimited", "TransientError", "BroadcasterError"}, names


def test_outcome_is_built_in_one_place() -> None:
    found = []
    for path in sorted((ROOT / "engine").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "Outcome":
                found.append(f"{path.name}:{node.lineno}")
    assert len(found) == 1 and found[0].startswith("outcomes.py:"), found
