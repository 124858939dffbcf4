"""Holds, daily send counts and delivery reasons (issue 10, points 10, 11, 13), on every store."""

from __future__ import annotations

import asyncio
import time

import pytest

from broadcaster.store.contract import Store
from broadcaster.store.contract.holds import DAILY_CAP, QUIET_HOURS, ReasonCount
from broadcaster.store.records import DeliveryStatus, Outcome
from tests.store.support import (
    KAMANISAN_RT1,
    TAJUR_RT1,
    TAJUR_RT2,
    add_groups,
    group,
    new_dispatch,
    plan_all,
)


async def test_daily_slots_stop_at_the_cap_per_account_and_day(seeded: Store) -> None:
    taken = [await seeded.take_daily_slot("gw", "2026-12-06", 3) for _ in range(5)]
    assert taken == [True, True, True, False, False]
    assert await seeded.daily_sent("gw", "2026-12-06") == 3
    # another day and another number count apart
    assert await seeded.take_daily_slot("gw", "2026-12-07", 3)
    assert await seeded.take_daily_slot("gw2", "2026-12-06", 3)
    assert await seeded.daily_sent("gw", "2026-12-07") == 1
    assert not await seeded.take_daily_slot("gw", "2026-12-08", 0)


async def test_daily_slots_taken_concurrently_never_pass_the_cap(seeded: Store) -> None:
    taken = await asyncio.gather(
        *(seeded.take_daily_slot("gw", "2026-12-06", 7) for _ in range(20))
    )
    assert sum(taken) == 7
    assert await seeded.daily_sent("gw", "2026-12-06") == 7


async def _held_dispatch(store: Store) -> tuple[int, list[int]]:
    await add_groups(
        store,
        [
            group(TAJUR_RT1, "w1", channel="whatsapp", account="gw"),
            group(TAJUR_RT2, "w2", channel="whatsapp", account="gw"),
            group(KAMANISAN_RT1, "w3", channel="whatsapp", account="gw"),
            group(TAJUR_RT1, "t1"),
        ],
    )
    d = await new_dispatch(store, {"regions": ["36"]})
    await plan_all(store, d.id, 100)
    claimed = await store.claim_deliveries("gw", 10, time.time() + 1)
    assert len(claimed) == 3
    until = time.time() + 40000
    w1, w2, w3 = sorted(claimed, key=lambda c: c.address)
    await store.record_outcomes(
        [
            Outcome(
                id=w1.id,
                status=DeliveryStatus.queued,
                attempts=0,
                parts_done=0,
                next_at=until,
                error="daily cap of 7 messages reached",
                held_reason=DAILY_CAP,
                held_until=until,
            ),
            Outcome(
                id=w2.id,
                status=DeliveryStatus.queued,
                attempts=0,
                parts_done=0,
                next_at=until,
                held_reason=DAILY_CAP,
                held_until=until,
            ),
            Outcome(
                id=w3.id,
                status=DeliveryStatus.failed,
                attempts=1,
                parts_done=0,
                error="permanent: not in the group",
            ),
        ]
    )
    return d.id, [w1.id, w2.id, w3.id]


async def test_reasons_count_failed_and_held_deliveries(seeded: Store) -> None:
    dispatch_id, _ = await _held_dispatch(seeded)
    reasons = await seeded.delivery_reasons(dispatch_id)
    assert [(r.state, r.reason, r.count) for r in reasons] == [
        ("held", DAILY_CAP, 2),
        ("failed", "permanent: not in the group", 1),
    ]
    assert reasons[0].until is not None and reasons[0].until > time.time() + 30000
    problems = await seeded.delivery_problems(dispatch_id, 100)
    assert [(p.address, p.channel, p.account, p.state, p.reason) for p in problems] == [
        ("w1", "whatsapp", "gw", "held", DAILY_CAP),
        ("w2", "whatsapp", "gw", "held", DAILY_CAP),
        ("w3", "whatsapp", "gw", "failed", "permanent: not in the group"),
    ]
    # with the service's quiet hours on, every other queued delivery waits too
    waiting = await seeded.delivery_problems(dispatch_id, 100, include_queued=True)
    assert [(p.address, p.state) for p in waiting if p.state == "queued"] == [("t1", "queued")]
    assert len(await seeded.delivery_problems(dispatch_id, 1)) == 1


async def test_released_holds_are_due_now_and_no_longer_held(seeded: Store) -> None:
    dispatch_id, ids = await _held_dispatch(seeded)
    assert await seeded.claim_deliveries("gw", 10, time.time() + 1) == []  # held till tomorrow
    assert await seeded.release_holds("another") == 0
    assert await seeded.release_holds("gw") == 2
    assert await seeded.delivery_reasons(dispatch_id) == [
        ReasonCount("failed", "permanent: not in the group", 1)
    ]
    again = await seeded.claim_deliveries("gw", 10, time.time() + 1)
    assert sorted(c.id for c in again) == ids[:2]
    # a sent outcome clears a hold; a new hold replaces the old one
    await seeded.record_outcomes(
        [
            Outcome(id=again[0].id, status=DeliveryStatus.sent, attempts=1, parts_done=1),
            Outcome(
                id=again[1].id,
                status=DeliveryStatus.queued,
                attempts=0,
                parts_done=0,
                next_at=time.time() + 600,
                held_reason=QUIET_HOURS,
                held_until=time.time() + 600,
            ),
        ]
    )
    assert [(r.state, r.reason, r.count) for r in await seeded.delivery_reasons(dispatch_id)] == [
        ("failed", "permanent: not in the group", 1),
        ("held", QUIET_HOURS, 1),
    ]
    assert await seeded.release_holds() == 1


async def test_a_held_account_holds_its_queued_deliveries(seeded: Store) -> None:
    dispatch_id, _ = await _held_dispatch(seeded)
    await seeded.release_holds("gw")  # all three gw deliveries: two due, one failed
    until = time.time() + 7200
    assert await seeded.hold_queued("gw", DAILY_CAP, until, until) == 2
    assert await seeded.hold_queued("tg", QUIET_HOURS, None, time.time() + 3600) == 1
    assert await seeded.claim_deliveries("gw", 10, time.time() + 3600) == []
    reasons = {(r.state, r.reason): r for r in await seeded.delivery_reasons(dispatch_id)}
    assert reasons[("held", DAILY_CAP)].count == 2
    assert reasons[("held", DAILY_CAP)].until == pytest.approx(until)
    assert (
        reasons[("held", QUIET_HOURS)].count == 1 and reasons[("held", QUIET_HOURS)].until is None
    )
    # deliveries already waiting past the hold's end keep their own time
    assert await seeded.hold_queued("gw", DAILY_CAP, until - 60, until - 60) == 0
