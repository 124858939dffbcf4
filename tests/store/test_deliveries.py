"""Deliveries: claiming, outcomes, requeue after a crash, cancelling, queue and progress counts."""

from __future__ import annotations

import time

import pytest

from broadcaster.errors import NotFound
from broadcaster.store.contract import Store
from broadcaster.store.records import (
    DeliveryStatus,
    Dispatch,
    Group,
    GroupStatus,
    Outcome,
)
from content.model import Priority
from tests.store.support import (
    FAR_FUTURE,
    KAMANISAN_RT1,
    TAJUR_RT1,
    TAJUR_RT2,
    add_groups,
    audit_len,
    group,
    new_dispatch,
    plan_all,
    rec,
)


def soon() -> float:
    """A moment after now: deliveries planned so far are due by then."""
    return time.time() + 1


@pytest.fixture
async def tg_groups(seeded: Store) -> list[Group]:
    """Four telegram groups on account tg, two whatsapp groups on wa, one on tg2."""
    return await add_groups(
        seeded,
        [
            group(TAJUR_RT1, "t1"),
            group(TAJUR_RT2, "t2"),
            group(KAMANISAN_RT1, "t3"),
            group("3673", "t4"),
            group(TAJUR_RT1, "w1", channel="whatsapp", account="wa"),
            group(KAMANISAN_RT1, "w2", channel="whatsapp", account="wa"),
            group(TAJUR_RT1, "x1", account="tg2"),
        ],
    )


async def planned(store: Store, priority: Priority = Priority.normal) -> Dispatch:
    d = await new_dispatch(store, {"regions": ["36"]}, priority)
    await plan_all(store, d.id, 1000)
    return await store.get_dispatch(d.id)


async def test_claim_marks_sending_in_priority_then_id_order(
    seeded: Store, tg_groups: list[Group]
) -> None:
    normal = await planned(seeded)
    urgent = await planned(seeded, Priority.urgent)
    emergency = await planned(seeded, Priority.emergency)
    assert normal.planned == urgent.planned == emergency.planned == 7

    first = await seeded.claim_deliveries("tg", 5, soon())
    assert len(first) == 5
    assert [c.dispatch_id for c in first] == [emergency.id] * 4 + [urgent.id]
    assert [c.id for c in first[:4]] == sorted(c.id for c in first[:4])
    rest = await seeded.claim_deliveries("tg", 100, soon())
    assert [c.dispatch_id for c in rest] == [urgent.id] * 3 + [normal.id] * 4
    assert {c.id for c in first}.isdisjoint(c.id for c in rest)  # sending is not claimed again
    assert await seeded.claim_deliveries("tg", 100, soon()) == []
    assert await seeded.queue_depth() == {
        ("tg", "sending"): 12,
        ("wa", "queued"): 6,
        ("tg2", "queued"): 3,
    }


async def test_a_claim_carries_what_the_sender_needs(seeded: Store, tg_groups: list[Group]) -> None:
    d = await planned(seeded)
    [c] = await seeded.claim_deliveries("tg2", 10, soon())
    x1 = next(g for g in tg_groups if g.address == "x1")
    assert (c.dispatch_id, c.announcement_id, c.group_id) == (d.id, d.announcement_id, x1.id)
    assert (c.address, c.language, c.attempts, c.parts_done) == ("x1", "id", 0, 0)
    assert c.group_status is GroupStatus.active


async def test_claim_sees_the_group_as_it_is_now(seeded: Store, tg_groups: list[Group]) -> None:
    await planned(seeded)
    x1 = next(g for g in tg_groups if g.address == "x1")
    await seeded.update_group(x1.id, rec(), status=GroupStatus.removed, address="x1-new")
    [c] = await seeded.claim_deliveries("tg2", 10, soon())
    assert (c.address, c.group_status) == ("x1-new", GroupStatus.removed)


async def test_claim_respects_due_time_and_min_rank(seeded: Store, tg_groups: list[Group]) -> None:
    await planned(seeded)
    emergency = await planned(seeded, Priority.emergency)
    assert await seeded.claim_deliveries("tg", 10, time.time() - 3600) == []  # not yet due
    quiet = await seeded.claim_deliveries("tg", 10, soon(), min_rank=Priority.emergency.rank)
    assert len(quiet) == 4 and {c.dispatch_id for c in quiet} == {emergency.id}
    assert await seeded.claim_deliveries("tg", 10, soon(), min_rank=Priority.emergency.rank) == []
    assert await seeded.next_due("tg", Priority.emergency.rank) is None
    assert len(await seeded.claim_deliveries("tg", 10, soon())) == 4


async def test_retries_wait_for_next_at(seeded: Store, tg_groups: list[Group]) -> None:
    await planned(seeded)
    now = soon()
    claimed = await seeded.claim_deliveries("tg", 10, now)
    later = now + 600
    await seeded.record_outcomes(
        [
            Outcome(
                id=c.id,
                status=DeliveryStatus.queued,
                attempts=1,
                parts_done=0,
                next_at=later + i,
                error="timeout",
            )
            for i, c in enumerate(claimed)
        ]
    )
    assert await seeded.claim_deliveries("tg", 10, now) == []
    assert await seeded.next_due("tg") == later
    retry = await seeded.claim_deliveries("tg", 10, later + 1.5)
    assert [c.id for c in retry] == [claimed[0].id, claimed[1].id]
    assert all(c.attempts == 1 for c in retry)
    assert await seeded.next_due("tg") == later + 2


async def test_next_due(seeded: Store, tg_groups: list[Group]) -> None:
    assert await seeded.next_due("tg") is None
    before = time.time()
    await planned(seeded)
    due = await seeded.next_due("tg")
    assert due is not None and before - 1 <= due <= time.time()
    assert await seeded.next_due("nobody") is None
    await seeded.claim_deliveries("tg", 100, soon())
    assert await seeded.next_due("tg") is None  # sending is not due


async def test_record_outcomes(seeded: Store, tg_groups: list[Group]) -> None:
    d = await planned(seeded)
    a, b, c, e = await seeded.claim_deliveries("tg", 10, soon())
    entries = await audit_len(seeded)
    await seeded.record_outcomes(
        [
            Outcome(
                id=a.id, status=DeliveryStatus.sent, attempts=1, parts_done=1, provider_ids=("m1",)
            ),
            Outcome(
                id=b.id,
                status=DeliveryStatus.failed,
                attempts=1,
                parts_done=0,
                error="400 chat not found",
            ),
            Outcome(
                id=c.id,
                status=DeliveryStatus.queued,
                attempts=1,
                parts_done=1,
                next_at=time.time(),
                provider_ids=("m7",),
            ),
        ]
    )
    await seeded.record_outcomes([])
    progress = await seeded.dispatch_progress(d.id)
    assert progress.by_status == {"sent": 1, "failed": 1, "queued": 4, "sending": 1}
    assert progress.remaining == 5 and progress.planned == 7
    # a multi-part message resumes where it stopped, with the ids of parts already sent
    [again] = await seeded.claim_deliveries("tg", 10, soon())
    assert (again.id, again.attempts, again.parts_done, again.provider_ids) == (c.id, 1, 1, ("m7",))
    assert await audit_len(seeded) == entries  # the hot path is not audited per delivery
    assert e.id not in {a.id, b.id, c.id}


async def test_requeue_in_flight_after_a_crash(seeded: Store, tg_groups: list[Group]) -> None:
    await planned(seeded)
    tg = await seeded.claim_deliveries("tg", 3, soon())
    wa = await seeded.claim_deliveries("wa", 10, soon())
    await seeded.record_outcomes(
        [Outcome(id=tg[0].id, status=DeliveryStatus.sent, attempts=1, parts_done=1)]
    )
    assert await seeded.requeue_in_flight("tg") == 2
    assert await seeded.queue_depth() == {
        ("tg", "queued"): 3,
        ("wa", "sending"): 2,
        ("tg2", "queued"): 1,
    }
    assert await seeded.requeue_in_flight() == 2
    assert await seeded.requeue_in_flight() == 0
    again = await seeded.claim_deliveries("wa", 10, soon())
    assert sorted(c.id for c in again) == sorted(c.id for c in wa)
    tg_again = {c.id for c in await seeded.claim_deliveries("tg", 10, soon())}
    assert len(tg_again) == 3 and {c.id for c in tg[1:]} < tg_again and tg[0].id not in tg_again


async def test_cancel_deliveries_cancels_only_queued_ones(
    seeded: Store, tg_groups: list[Group]
) -> None:
    d = await planned(seeded)
    other = await planned(seeded)
    claimed = await seeded.claim_deliveries("tg", 2, soon())
    assert {c.dispatch_id for c in claimed} == {d.id}
    await seeded.record_outcomes(
        [Outcome(id=claimed[0].id, status=DeliveryStatus.sent, attempts=1, parts_done=1)]
    )
    assert await seeded.cancel_deliveries(d.id, "expired") == 5
    assert await seeded.cancel_deliveries(d.id, "expired") == 0
    progress = await seeded.dispatch_progress(d.id)
    assert progress.by_status == {"sent": 1, "sending": 1, "cancelled": 5}
    assert (await seeded.dispatch_progress(other.id)).by_status == {"queued": 7}
    left = await seeded.claim_deliveries("tg", 100, FAR_FUTURE)
    assert {c.dispatch_id for c in left} == {other.id}


async def test_progress_by_channel(seeded: Store, tg_groups: list[Group]) -> None:
    d = await planned(seeded)
    [w1, _] = await seeded.claim_deliveries("wa", 10, soon())
    await seeded.record_outcomes(
        [Outcome(id=w1.id, status=DeliveryStatus.sent, attempts=1, parts_done=1)]
    )
    progress = await seeded.dispatch_progress(d.id, by_channel=True)
    assert progress.by_channel == {
        "telegram": {"queued": 5},
        "whatsapp": {"sent": 1, "sending": 1},
    }
    assert progress.by_status == {"queued": 5, "sent": 1, "sending": 1}
    assert (await seeded.dispatch_progress(d.id)).by_channel == {}
    with pytest.raises(NotFound):
        await seeded.dispatch_progress(d.id + 100)


async def test_an_unplanned_dispatch_has_empty_progress(seeded: Store) -> None:
    d = await new_dispatch(seeded, {"regions": ["36"]})
    progress = await seeded.dispatch_progress(d.id, by_channel=True)
    assert (progress.planned, progress.by_status, progress.remaining) == (0, {}, 0)


async def test_accounts_with_work_and_outstanding(seeded: Store, tg_groups: list[Group]) -> None:
    assert await seeded.accounts_with_work() == []
    d = await planned(seeded)
    assert sorted(await seeded.accounts_with_work()) == ["tg", "tg2", "wa"]
    assert await seeded.has_outstanding(d.id)
    for account in ("tg", "tg2", "wa"):
        claimed = await seeded.claim_deliveries(account, 100, soon())
        if account != "wa":
            await seeded.record_outcomes(
                [
                    Outcome(id=c.id, status=DeliveryStatus.sent, attempts=1, parts_done=1)
                    for c in claimed
                ]
            )
    assert await seeded.accounts_with_work() == ["wa"]  # sending is still work
    assert await seeded.has_outstanding(d.id)
    await seeded.requeue_in_flight()
    await seeded.cancel_deliveries(d.id, "cancelled by officer")
    assert await seeded.accounts_with_work() == []
    assert not await seeded.has_outstanding(d.id)
