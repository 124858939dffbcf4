"""The on-call part of the store contract, on both engines: the rota, the alert log (each alert
with its notice in one transaction, never twice), closing and acknowledging, and the reads
behind the per-emergency timings."""

from __future__ import annotations

import asyncio

import pytest

from broadcaster.errors import Conflict, NotFound
from broadcaster.store.contract import Store
from broadcaster.store.contract.oncall import NewAlert, NewOncall
from broadcaster.store.records import DeliveryStatus, Outcome
from content.hashing import content_hash
from content.workflow import Status
from tests.store.support import (
    TAJUR,
    add_groups,
    announcement,
    audit_len,
    claim_all,
    group,
    new_announcement,
    new_dispatch,
    plan_all,
    rec,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def entry(user: str, address: str, position: int | None = None) -> NewOncall:
    return NewOncall(
        username=user,
        channel="telegram",
        address=address,
        days=WEEKDAYS,
        start_minute=7 * 60,
        end_minute=19 * 60,
        position=position,
    )


def alert(user: str, address: str, level: int = 0) -> NewAlert:
    return NewAlert(
        username=user,
        channel="telegram",
        account="tg_alerts",
        address=address,
        level=level,
        reason="on_duty",
        text=f"darurat untuk {user}",
    )


async def test_rota_entries_are_added_in_order_listed_and_removed_with_audit(
    seeded: Store,
) -> None:
    before = await audit_len(seeded)
    a = await seeded.add_oncall(entry("verifier", "101"), rec("oncall.add", "oncall"))
    b = await seeded.add_oncall(entry("verifier2", "102"), rec("oncall.add", "oncall"))
    first = await seeded.add_oncall(entry("serang_verifier", "103", 0), rec("oncall.add", "oncall"))
    assert a.position < b.position and first.position < a.position
    assert a.days == WEEKDAYS and a.start_minute == 420 and a.end_minute == 1140
    assert a.created_by == "tester"
    assert [e.id for e in await seeded.list_oncall()] == [first.id, a.id, b.id]
    assert [e.id for e in await seeded.list_oncall("verifier2")] == [b.id]
    assert await audit_len(seeded) == before + 3
    with pytest.raises(Conflict):
        await seeded.add_oncall(entry("verifier", "101"), rec("oncall.add", "oncall"))
    assert await audit_len(seeded) == before + 3  # a refused add writes nothing
    removed = await seeded.remove_oncall(a.id, rec("oncall.remove", "oncall"))
    assert removed.username == "verifier"
    assert [e.id for e in await seeded.list_oncall()] == [first.id, b.id]
    with pytest.raises(NotFound):
        await seeded.remove_oncall(a.id, rec("oncall.remove", "oncall"))
    assert await audit_len(seeded) == before + 4


async def test_an_alert_is_logged_with_its_notice_once_per_person(seeded: Store) -> None:
    ann = await new_announcement(seeded)
    before = await audit_len(seeded)
    added = await seeded.record_alerts(
        ann.id, [alert("verifier", "101"), alert("verifier2", "102")], rec("oncall.alert")
    )
    assert [a.username for a in added] == ["verifier", "verifier2"]
    assert all(a.notice_id is not None and a.outcome is None for a in added)
    notices = await seeded.pending_notices("tg_alerts")
    assert [(n.address, n.text) for n in notices] == [
        ("101", "darurat untuk verifier"),
        ("102", "darurat untuk verifier2"),
    ]
    assert {n.id for n in notices} == {a.notice_id for a in added}
    assert await audit_len(seeded) == before + 1
    # the same people again (a restart, another process): nothing new, no second message
    again = await seeded.record_alerts(
        ann.id, [alert("verifier", "101", 1), alert("admin", "900", 2)], rec("oncall.alert")
    )
    assert [(a.username, a.level) for a in again] == [("admin", 2)]
    assert len(await seeded.pending_notices("tg_alerts")) == 3
    assert await seeded.record_alerts(ann.id, [alert("admin", "900")], rec("x")) == []
    assert await audit_len(seeded) == before + 2
    log = await seeded.alerts_for(ann.id)
    assert [(a.username, a.level) for a in log] == [("verifier", 0), ("verifier2", 0), ("admin", 2)]
    # the fate of each message shows in the log
    assert [(a.notice_sent_at, a.failed) for a in log] == [(None, False)] * 3
    await seeded.finish_notice(notices[0].id)
    await seeded.finish_notice(notices[1].id, "outside the 24-hour window")
    log = await seeded.alerts_for(ann.id)
    assert log[0].notice_sent_at is not None and not log[0].failed
    assert log[1].failed and log[1].notice_error == "outside the 24-hour window"


async def test_alerts_are_acknowledged_per_person_and_closed_with_the_outcome(
    seeded: Store,
) -> None:
    ann = await new_announcement(seeded)
    other = await new_announcement(seeded)
    await seeded.record_alerts(ann.id, [alert("verifier", "1"), alert("verifier2", "2")], rec())
    await seeded.record_alerts(other.id, [alert("verifier", "1")], rec())
    assert await seeded.open_alerted() == [(ann.id, "draft"), (other.id, "draft")]
    assert await seeded.acknowledge_alerts(ann.id, "verifier", rec()) == 1
    assert await seeded.acknowledge_alerts(ann.id, "verifier", rec()) == 0
    log = {a.username: a for a in await seeded.alerts_for(ann.id)}
    assert log["verifier"].acknowledged_at is not None
    assert log["verifier2"].acknowledged_at is None
    before = await audit_len(seeded)
    assert await seeded.close_alerts(ann.id, "approved", rec()) == 2
    assert await seeded.close_alerts(ann.id, "approved", rec()) == 0
    assert await audit_len(seeded) == before + 1
    assert {a.outcome for a in await seeded.alerts_for(ann.id)} == {"approved"}
    assert await seeded.open_alerted() == [(other.id, "draft")]


async def test_candidates_are_submitted_announcements_and_cap_drafts(seeded: Store) -> None:
    plain = await new_announcement(seeded)
    content = announcement()
    cap = await seeded.create_announcement(
        "system:cap:bmkg", content, content_hash(content), rec("announcement.create")
    )
    submitted = await new_announcement(seeded)
    await seeded.save_announcement(
        submitted.id, submitted.version, rec("announcement.submit"), status=Status.submitted
    )
    assert await seeded.alert_candidates() == [cap.id, submitted.id]
    assert plain.id not in await seeded.alert_candidates()


async def test_reach_times_follow_the_sent_deliveries(seeded: Store) -> None:
    ann = await new_announcement(seeded)
    assert (await seeded.reach_times(ann.id)).groups == 0
    await add_groups(seeded, [group(TAJUR, f"g{i}") for i in range(20)])
    dispatch = await new_dispatch(seeded, {"regions": [TAJUR]}, announcement_id=ann.id)
    await plan_all(seeded, dispatch.id, 100)
    claimed = await claim_all(seeded, "tg")
    assert len(claimed) == 20
    sent = [Outcome(id=c.id, status=DeliveryStatus.sent, attempts=1, parts_done=1) for c in claimed]
    await seeded.record_outcomes(sent[:18])
    times = await seeded.reach_times(ann.id)
    assert (times.groups, times.reached) == (20, 18)
    assert times.first_at is not None and times.p95_at is None  # 19 of 20 needed
    await seeded.record_outcomes(sent[18:19])
    times = await seeded.reach_times(ann.id)
    assert times.reached == 19 and times.p95_at is not None
    assert times.first_at is not None and times.p95_at >= times.first_at


async def test_workflow_times_come_from_the_audit_log(seeded: Store) -> None:
    ann = await new_announcement(seeded)
    assert await seeded.workflow_times(ann.id) == {}
    await seeded.save_announcement(
        ann.id,
        ann.version,
        rec("announcement.submit", "announcement", str(ann.id)),
        status=Status.submitted,
    )
    times = await seeded.workflow_times(ann.id)
    assert set(times) == {"submitted"}
    await seeded.save_announcement(
        ann.id,
        ann.version + 1,
        rec("announcement.approve", "announcement", str(ann.id)),
        status=Status.approved,
    )
    times = await seeded.workflow_times(ann.id)
    assert times["approved"] >= times["submitted"]


async def test_two_writers_at_once_queue_each_alert_once(seeded: Store) -> None:
    """Two processes deciding at the same moment (a lease handed over mid-round): the store
    lets each person be told once."""
    ann = await new_announcement(seeded)
    people = [alert("verifier", "101"), alert("verifier2", "102")]
    results = await asyncio.gather(
        *(seeded.record_alerts(ann.id, people, rec("oncall.alert")) for _ in range(4)),
        return_exceptions=True,
    )
    assert all(isinstance(r, list) for r in results), results
    added = [a for r in results if isinstance(r, list) for a in r]
    assert sorted(a.username for a in added) == ["verifier", "verifier2"]
    assert len(await seeded.pending_notices("tg_alerts")) == 2
