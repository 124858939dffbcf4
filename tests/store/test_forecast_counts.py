"""The counts of the reach forecast (issue 15), on every store: targeted groups per account,
what remains of a dispatch, work queued ahead by priority, holds and the daily count."""

from __future__ import annotations

import time

from broadcaster.store.contract import Store
from broadcaster.store.contract.forecast import AccountCounts
from broadcaster.store.contract.holds import DAILY_CAP
from broadcaster.store.records import DeliveryStatus, DispatchStatus, GroupStatus, Outcome
from content.model import Priority
from tests.store.support import (
    KAMANISAN_RT1,
    LEBAK_RT1,
    PARUNG_RT1,
    TAJUR_RT1,
    TAJUR_RT2,
    add_groups,
    group,
    new_dispatch,
    plan_all,
    rec,
)


async def _groups(store: Store) -> None:
    await add_groups(
        store,
        [
            group(TAJUR_RT1, "t1"),
            group(TAJUR_RT2, "t2"),
            group(PARUNG_RT1, "t3", kind="pkk"),
            group(KAMANISAN_RT1, "t4", status=GroupStatus.paused),
            group(TAJUR_RT1, "w1", channel="whatsapp", account="gw"),
            group(KAMANISAN_RT1, "w2", channel="whatsapp", account="gw"),
            group(LEBAK_RT1, "w3", channel="whatsapp", account="gw"),
        ],
    )


def _by_account(counts: list[AccountCounts]) -> dict[str, tuple[int, int, int]]:
    return {c.account: (c.total, c.remaining, c.ahead) for c in counts}


async def test_a_target_counts_active_groups_per_account_once(seeded: Store) -> None:
    await _groups(seeded)
    # overlapping regions count once; paused groups and other kinds do not count
    counts = await seeded.forecast_counts(
        {"regions": ["3671", "36", "3671010001"], "kinds": ["rt"]}, Priority.normal.rank
    )
    assert _by_account(counts) == {"gw": (3, 3, 0), "tg": (2, 2, 0)}
    excluded = await seeded.forecast_counts(
        {"regions": ["36"], "exclude": ["3602"], "channels": ["whatsapp"]}, 0
    )
    assert _by_account(excluded) == {"gw": (2, 2, 0)}
    assert await seeded.forecast_counts({"regions": ["31"]}, 0) == []


async def test_work_ahead_counts_higher_priority_and_older_same_priority(seeded: Store) -> None:
    await _groups(seeded)
    normal = await new_dispatch(seeded, {"regions": ["36"]}, Priority.normal)
    await plan_all(seeded, normal.id, 100)
    target = {"regions": ["3671"]}
    # before dispatch: a normal announcement waits for the older normal dispatch's 3 + 1
    ahead = await seeded.forecast_counts(target, Priority.normal.rank)
    assert {c.account: c.ahead for c in ahead} == {"gw": 3, "tg": 3}
    # an emergency overtakes it
    first = await seeded.forecast_counts(target, Priority.emergency.rank)
    assert {c.account: c.ahead for c in first} == {"gw": 0, "tg": 0}
    # the older dispatch itself has nothing ahead; a newer one at the same rank has it ahead
    newer = await new_dispatch(seeded, target, Priority.normal)
    await plan_all(seeded, newer.id, 100)
    own = await seeded.forecast_counts({}, Priority.normal.rank, normal.id)
    assert _by_account(own) == {"gw": (3, 3, 0), "tg": (3, 3, 0)}
    theirs = await seeded.forecast_counts({}, Priority.normal.rank, newer.id)
    assert _by_account(theirs) == {"gw": (1, 1, 3), "tg": (3, 3, 3)}


async def test_a_dispatch_counts_what_remains_and_what_is_unplanned(seeded: Store) -> None:
    await _groups(seeded)
    d = await new_dispatch(seeded, {"regions": ["36"]}, Priority.urgent)
    # nothing planned yet: everything of the target remains
    assert _by_account(await seeded.forecast_counts({}, Priority.urgent.rank, d.id)) == {
        "gw": (3, 3, 0),
        "tg": (3, 3, 0),
    }
    await seeded.plan_batch(d.id, 2)  # part of it planned
    partly = _by_account(await seeded.forecast_counts({}, Priority.urgent.rank, d.id))
    assert partly == {"gw": (3, 3, 0), "tg": (3, 3, 0)}
    await plan_all(seeded, d.id, 100)
    claimed = await seeded.claim_deliveries("tg", 2, time.time() + 1)
    await seeded.record_outcomes(
        [Outcome(id=c.id, status=DeliveryStatus.sent, attempts=1, parts_done=1) for c in claimed]
    )
    await seeded.set_dispatch_status(d.id, DispatchStatus.sending, rec())
    after = _by_account(await seeded.forecast_counts({}, Priority.urgent.rank, d.id))
    assert after == {"gw": (3, 3, 0), "tg": (3, 1, 0)}


async def test_holds_and_the_daily_count_of_an_account(seeded: Store) -> None:
    await _groups(seeded)
    d = await new_dispatch(seeded, {"regions": ["36"]})
    await plan_all(seeded, d.id, 100)
    until = time.time() + 3600
    assert await seeded.hold_queued("gw", DAILY_CAP, until, until) == 3
    for _ in range(5):
        assert await seeded.take_daily_slot("gw", "2026-12-06", 200)
    counts = await seeded.forecast_counts(
        {"regions": ["36"]}, Priority.emergency.rank, days={"gw": "2026-12-06", "tg": "2026-12-06"}
    )
    gw, tg = counts
    assert (gw.account, gw.held_reason, gw.held_endless, gw.sent_today) == (
        "gw",
        DAILY_CAP,
        False,
        5,
    )
    assert gw.held_until is not None and abs(gw.held_until - until) < 1
    assert (tg.held_reason, tg.held_until, tg.sent_today) == (None, None, 0)
    assert await seeded.hold_queued("tg", "account_blocked", None, until) == 3
    blocked = await seeded.forecast_counts({"regions": ["36"]}, 0)
    assert [c.held_endless for c in blocked] == [False, True]
