"""One work signal (issue 12, point 2): the planner, the senders, the scheduling bridge, the
coordinator's LISTEN callback and the web layer all use the engine's one :class:`WorkSignal`
instead of four wake-up paths of their own."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import broadcaster
from broadcaster.engine.work import WorkSignal
from broadcaster.store.records import DispatchStatus
from schedules.spec import ScheduleSpec

from .harness import rig

ROOT = Path(broadcaster.__file__).parent


async def test_signal_wakes_planner_senders_and_schedule_hooks() -> None:
    work = WorkSignal()
    senders = [asyncio.Event(), asyncio.Event()]
    for wake in senders:
        work.add_sender(wake)
    synced: list[str] = []

    async def sync() -> None:
        assert not work.plan.is_set()  # the scheduler syncs before the planner is asked
        synced.append("sync")

    work.on_schedules(sync)
    work.remote("send")
    assert all(w.is_set() for w in senders) and not work.plan.is_set()
    for wake in senders:
        wake.clear()
    work.remote("plan")
    assert work.plan.is_set() and not any(w.is_set() for w in senders)
    work.plan.clear()
    await work.schedules_changed()
    assert synced == ["sync"] and work.plan.is_set()


async def test_engine_parts_share_the_one_signal(tmp_path: Path) -> None:
    async with rig(tmp_path, start=False) as r:
        engine = r.engine
        assert engine.planner.work is engine.work
        assert engine.bridge is not None and engine.bridge.work is engine.work
        engine.work.remote("send")  # what the coordinator's LISTEN callback calls
        assert engine.senders and all(s.wake.is_set() for s in engine.senders.values())


async def test_schedules_changed_dispatches_without_waiting_for_the_sync(tmp_path: Path) -> None:
    """What the web layer calls after creating a schedule: the bridge picks it up at once and
    the dispatch runs to its end."""
    async with rig(tmp_path) as r:
        record = await r.approved()
        await r.app.workflow.schedule("officer", record.id, ScheduleSpec.now())
        await r.engine.work.schedules_changed()
        await r.engine.drain(30)
        dispatches = await r.app.store.list_dispatches(announcement_id=record.id)
        assert len(dispatches) == 1  # fired at once, not at the scheduler's next 2 s sync
        assert dispatches[0].status is DispatchStatus.done


def test_no_other_wake_up_path() -> None:
    """Nobody outside the signal sets a planner or sender event, and the web layer does not
    reach into the engine's bridge."""
    found: list[str] = []
    for path in [*(ROOT / "engine").glob("*.py"), *(ROOT / "web").rglob("*.py"), ROOT / "demo.py"]:
        if path.name == "work.py":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            text = ast.unparse(node.func)
            if text.endswith(".wake.set") or text in ("engine.wake", "engine.bridge.sync"):
                found.append(f"{path.name}:{node.lineno} {text}()")
            if path.parent.name != "engine" and text.endswith("bridge.sync"):
                found.append(f"{path.name}:{node.lineno} {text}()")
    assert not found, f"use the engine's WorkSignal: {found}"
