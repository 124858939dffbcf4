"""The engine end to end with the scripted adapter: fan-out, error classes, priorities."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from broadcaster.store.records import DeliveryStatus, GroupFilter, GroupStatus
from content.model import Level, Priority
from tests.core.harness import rig


async def _statuses(store: object, dispatch_id: int) -> dict[str, int]:
    from broadcaster.store.contract import Store

    assert isinstance(store, Store)
    return (await store.dispatch_progress(dispatch_id)).by_status


async def test_fan_out_reaches_every_targeted_group_once(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        groups = await r.add_groups()
        await r.add_groups(level=Level.village, kind="pkk")  # not targeted: kind filter
        record = await r.approved(kinds=["rt"], poll=True)
        dispatch = await r.dispatch_now(record)
        await r.engine.drain(10)
        assert await _statuses(r.app.store, dispatch.id) == {"sent": len(groups)}
        adapter = r.adapter()
        addresses = [s.address for s in adapter.sent]
        # text + poll to each RT group, nothing to the PKK groups
        assert len(addresses) == 2 * len(groups)
        assert all(a.count(".RT") == 1 for a in addresses)
        assert len(set(addresses)) == len(groups)
        texts = [s.message.payload["text"] for s in adapter.sent if s.message.kind == "text"]
        assert all("Cek keaslian: http://127.0.0.1:8080/v/" in t for t in texts)
        assert (await r.app.store.get_announcement(record.id)).status.value == "done"


async def test_exclusions_and_subtrees(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        await r.add_groups()
        record = await r.approved(regions=["3671", "3673"], exclude=["3671010002"])
        await r.dispatch_now(record)
        await r.engine.drain(10)
        sent_to = {s.address for s in r.adapter().sent}
        assert sent_to
        assert all(("3671" in a or "3673" in a) and "3671010002" not in a for a in sent_to)
        assert not any("3602" in a for a in sent_to)


async def test_transient_errors_retry_then_succeed(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        await r.add_groups(under="3673")
        target = "scripted-3673010001.RW001.RT001"
        r.adapter().program(target, "transient", times=2)
        record = await r.approved(regions=["3673"])
        dispatch = await r.dispatch_now(record)
        await r.engine.drain(10)
        progress = await r.app.store.dispatch_progress(dispatch.id)
        assert progress.by_status == {"sent": 6}
        assert r.adapter().per_address[target] == 1


async def test_transient_errors_give_up_after_max_attempts(tmp_path: Path) -> None:
    async with rig(tmp_path, engine={"max_attempts": 3}) as r:
        await r.add_groups(under="3673")
        target = "scripted-3673010001.RW001.RT002"
        r.adapter().program(target, "transient", times=10)
        dispatch = await r.dispatch_now(await r.approved(regions=["3673"]))
        await r.engine.drain(10)
        assert await _statuses(r.app.store, dispatch.id) == {"sent": 5, "failed": 1}
        rows = await r.app.store.db.execute_fetchall(  # type: ignore[attr-defined]
            "SELECT attempts, error FROM deliveries WHERE status = 'failed'"
        )
        attempts, error = list(rows)[0]
        assert attempts == 3
        assert "gave up after 3 attempts" in error


async def test_permanent_error_fails_without_retry(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        await r.add_groups(under="3673")
        target = "scripted-3673010001.RW002.RT001"
        r.adapter().program(target, "permanent", times=5)
        dispatch = await r.dispatch_now(await r.approved(regions=["3673"]))
        await r.engine.drain(10)
        assert await _statuses(r.app.store, dispatch.id) == {"sent": 5, "failed": 1}
        assert r.adapter().per_address.get(target, 0) == 0


async def test_recipient_gone_removes_group_and_audits(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        await r.add_groups(under="3673")
        target = "scripted-3673010001.RW002.RT003"
        r.adapter().program(target, "gone")
        await r.dispatch_now(await r.approved(regions=["3673"]))
        await r.engine.drain(10)
        group = await r.app.store.find_group("scripted", "scripted", target)
        assert group is not None and group.status is GroupStatus.removed
        entries = await r.app.store.list_audit(object_type="group", object_id=str(group.id))
        assert any(e.action == "group.removed" and e.actor == "system" for e in entries)
        # a later dispatch skips the removed group entirely
        second = await r.dispatch_now(await r.approved(regions=["3673"]))
        await r.engine.drain(10)
        assert await _statuses(r.app.store, second.id) == {"sent": 5}


async def test_address_moved_updates_group_and_resends(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        await r.add_groups(under="3673")
        old = "scripted-3673010001.RW001.RT003"
        r.adapter().program(old, "moved", new_address="supergroup-42")
        dispatch = await r.dispatch_now(await r.approved(regions=["3673"]))
        await r.engine.drain(10)
        assert await _statuses(r.app.store, dispatch.id) == {"sent": 6}
        assert r.adapter().per_address["supergroup-42"] == 1
        assert await r.app.store.find_group("scripted", "scripted", old) is None
        moved = await r.app.store.find_group("scripted", "scripted", "supergroup-42")
        assert moved is not None
        entries = await r.app.store.list_audit(object_type="group", object_id=str(moved.id))
        assert any(e.action == "group.address_moved" for e in entries)


async def test_rate_limited_pauses_the_whole_account(tmp_path: Path) -> None:
    async with rig(tmp_path) as r:
        await r.add_groups(under="3673")
        first = "scripted-3673010001.RW001.RT001"
        r.adapter().program(first, "rate", retry_after=0.6)
        dispatch = await r.dispatch_now(await r.approved(regions=["3673"]))
        started = time.monotonic()
        await r.engine.drain(10)
        assert await _statuses(r.app.store, dispatch.id) == {"sent": 6}
        sent = r.adapter().sent
        # the account paused: nothing went out between the 429 and retry_after later,
        # except what was already granted before the pause (at most one in-flight batch)
        late = [s for s in sent if s.at - started >= 0.55]
        assert any(s.address == first for s in late)
        assert r.engine.metrics.rate_limits.labels("scripted", "scripted")._value.get() == 1


async def test_multi_part_delivery_resumes_after_last_part_sent(tmp_path: Path) -> None:
    long_body = "\n\n".join(f"Paragraf {i}: " + "kata " * 150 for i in range(12))
    async with rig(tmp_path, accounts={"scripted": {"adapter": "scripted", "text_max": 4096}}) as r:
        await r.add_groups(under="3673010001.RW001")
        record = await r.approved(regions=["3673010001.RW001.RT001"], poll=True, body=long_body)
        messages = r.adapter().render(
            record.content, "id", __import__("broadcaster.adapter").adapter.RenderContext(1, "X")
        )
        assert len(messages) == 2
        await r.dispatch_now(record)
        await r.engine.drain(10)
        assert r.adapter().per_address["scripted-3673010001.RW001.RT001"] == 2


async def test_emergency_overtakes_running_normal_dispatch(tmp_path: Path) -> None:
    accounts = {"scripted": {"adapter": "scripted", "latency_ms": 10}}
    async with rig(
        tmp_path, accounts=accounts, engine={"claim_batch": 5, "max_in_flight": 1, "plan_batch": 4}
    ) as r:
        await r.add_groups()
        total = (await r.app.store.count_groups(GroupFilter(statuses=(GroupStatus.active,))))[
            "total"
        ]
        normal = await r.dispatch_now(await r.approved())
        while r.adapter().count < 3:
            await asyncio.sleep(0.005)
        emergency = await r.dispatch_now(
            await r.approved(priority=Priority.emergency, body="DARURAT: segera mengungsi.")
        )
        await r.engine.drain(20)
        order = ["DARURAT" in s.message.payload["text"] for s in r.adapter().sent]
        assert len(order) == 2 * total
        assert await _statuses(r.app.store, normal.id) == {"sent": total}
        assert await _statuses(r.app.store, emergency.id) == {"sent": total}
        # in send order: once the emergency started, it finished before most of the normal
        # dispatch went out (at most one claimed batch of the normal one in between)
        first = order.index(True)
        last = len(order) - 1 - order[::-1].index(True)
        normals_inside = order[first : last + 1].count(False)
        assert normals_inside <= 2 * 5, order
        assert order[last + 1 :].count(False) > 0, "the normal dispatch had already finished"


async def test_quiet_hours_hold_normal_but_not_emergency(tmp_path: Path) -> None:
    # a quiet window covering the whole day except one minute that is never "now"
    async with rig(tmp_path, schedule={"quiet_hours": "00:00-23:59"}) as r:
        await r.add_groups(under="3673")
        import datetime as dt

        from schedules.quiet import QuietHours

        quiet = QuietHours(dt.time(0, 0), dt.time(23, 59), "Asia/Jakarta")
        if not quiet.is_quiet(dt.datetime.now(dt.UTC)):
            return  # the one unquiet minute: the assertion below would be meaningless
        normal = await r.dispatch_now(await r.approved(regions=["3673"]))
        emergency = await r.dispatch_now(
            await r.approved(regions=["3673"], priority=Priority.emergency)
        )
        for _ in range(100):
            if (await _statuses(r.app.store, emergency.id)).get("sent") == 6:
                break
            await asyncio.sleep(0.02)
        assert await _statuses(r.app.store, emergency.id) == {"sent": 6}
        assert await _statuses(r.app.store, normal.id) == {"queued": 6}


async def test_expired_announcement_cancels_remaining(tmp_path: Path) -> None:
    import datetime as dt

    from content.model import Announcement, Target, Variant

    async with rig(tmp_path, start=False) as r:
        await r.add_groups(under="3673")
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1.5)
        content = Announcement(
            variants={"id": Variant(title="Singkat", body="Berlaku sebentar.")},
            expires_at=expires,
            target=Target(regions=["3673"]),
        )
        record = await r.app.workflow.create("officer", content)
        await r.app.workflow.submit("officer", record.id)
        record = await r.app.workflow.approve("verifier", record.id)
        dispatch = await r.dispatch_now(record)
        # the service was busy (or down) until after the expiry
        while dt.datetime.now(dt.UTC) <= expires:
            await asyncio.sleep(0.05)
        await r.engine.start()
        await r.engine.drain(10)
        progress = await r.app.store.dispatch_progress(dispatch.id)
        assert progress.by_status == {"cancelled": 6}
        assert r.adapter().count == 0
        await r.engine.stop()


async def test_tampered_content_is_never_sent(tmp_path: Path) -> None:
    async with rig(tmp_path, start=False) as r:
        await r.add_groups(under="3673")
        record = await r.approved(regions=["3673"])
        dispatch = await r.dispatch_now(record)
        tampered = record.content.model_copy(
            update={
                "variants": {
                    "id": record.content.variants["id"].model_copy(update={"body": "HOAX"})
                }
            }
        )
        await r.app.store.db.execute(  # type: ignore[attr-defined]
            "UPDATE announcements SET content = ?", (tampered.model_dump_json(),)
        )
        await r.engine.start()
        await r.engine.drain(10)
        progress = await r.app.store.dispatch_progress(dispatch.id)
        assert progress.by_status.get("sent", 0) == 0
        assert r.adapter().count == 0
        await r.engine.stop()


async def test_paused_group_is_skipped(tmp_path: Path) -> None:
    async with rig(tmp_path, start=False) as r:
        ids = await r.add_groups(under="3673")
        dispatch = await r.dispatch_now(await r.approved(regions=["3673"]))
        await r.engine.planner.plan_once()
        await r.engine.planner.plan_once()
        await r.app.directory.set_group_status("officer", ids[0], GroupStatus.paused)
        await r.engine.start()
        await r.engine.drain(10)
        progress = await r.app.store.dispatch_progress(dispatch.id)
        assert progress.by_status == {"sent": 5, "cancelled": 1}
        await r.engine.stop()


async def test_stop_returns_unstarted_claims_to_queue(tmp_path: Path) -> None:
    accounts = {"scripted": {"adapter": "scripted", "latency_ms": 30}}
    async with rig(tmp_path, accounts=accounts, engine={"max_in_flight": 1}) as r:
        await r.add_groups()
        dispatch = await r.dispatch_now(await r.approved())
        while r.adapter().count < 2:
            await asyncio.sleep(0.005)
        await r.engine.stop()
        progress = await r.app.store.dispatch_progress(dispatch.id)
        assert progress.by_status.get("sending", 0) == 0
        assert progress.by_status.get("sent", 0) == r.adapter().count
        assert progress.by_status.get("queued", 0) == progress.planned - r.adapter().count
        r.engine.stopping.clear()
        r.engine._tasks = []
        await r.engine.start()
        await r.engine.drain(20)
        assert (await r.app.store.dispatch_progress(dispatch.id)).by_status == {
            "sent": progress.planned
        }
        assert DeliveryStatus.sent.value == "sent"


async def test_engine_settings_reach_each_account_sender(tmp_path: Path) -> None:
    engine_settings = {"flush_interval": 0.3, "idle_poll": 0.07, "max_in_flight": 5}
    async with rig(tmp_path, start=False, engine=engine_settings) as r:
        options = r.engine.senders["scripted"].options
        assert (options.flush_interval, options.idle_poll, options.max_in_flight) == (0.3, 0.07, 5)
