"""Dispatches and planning: creation, the planning queue, and plan_batch resolving a target."""

from __future__ import annotations

from typing import Any

import pytest

from broadcaster.errors import NotFound
from broadcaster.store.contract import Store
from broadcaster.store.records import DispatchStatus, Group, GroupStatus
from content.model import GROUP_KINDS, Priority
from tests.store.conftest import Reopen
from tests.store.support import (
    TAJUR,
    add_groups,
    audit_len,
    group,
    new_announcement,
    new_dispatch,
    plan_all,
    planned_groups,
    rec,
)

CHANNELS = (("telegram", "tg"), ("whatsapp", "wa"), ("email", "mail"))
ACCOUNTS = [account for _, account in CHANNELS]
STATUSES = (
    GroupStatus.active,
    GroupStatus.active,
    GroupStatus.pending,
    GroupStatus.paused,
    GroupStatus.active,
    GroupStatus.removed,
)


@pytest.fixture
async def audience(seeded: Store) -> list[Group]:
    """Two groups on every region of the seed (44 regions), channels, kinds and statuses mixed."""
    codes = [r.code async for r in seeded.iter_regions()]
    specs = []
    for i, code in enumerate(codes * 2):
        channel, account = CHANNELS[i % 3]
        specs.append(
            group(
                code,
                f"a{i}",
                channel=channel,
                account=account,
                kind=GROUP_KINDS[i % len(GROUP_KINDS)],
                status=STATUSES[(i // 3) % len(STATUSES)],
            )
        )
    return await add_groups(seeded, specs)


def expected(groups: list[Group], target: dict[str, Any]) -> list[int]:
    """The target resolved by walking every group in Python."""

    def under(code: str, roots: list[str]) -> bool:
        return any(code.startswith(root) for root in roots)

    return sorted(
        g.id
        for g in groups
        if g.status is GroupStatus.active
        and under(g.region, target["regions"])
        and not under(g.region, target.get("exclude", []))
        and (not target.get("levels") or g.region_level in target["levels"])
        and (not target.get("kinds") or g.kind in target["kinds"])
        and (not target.get("channels") or g.channel in target["channels"])
    )


TARGETS: list[dict[str, Any]] = [
    {"regions": ["36"]},
    {"regions": ["3671"], "levels": ["rt", "rw"]},
    {"regions": [TAJUR], "kinds": ["rt", "pkk", "posyandu"]},
    {"regions": ["36"], "channels": ["telegram"], "exclude": ["3602", "3671010002"]},
    {"regions": ["3673", "3602", "31"], "kinds": ["rt", "rw", "other"]},
    {"regions": ["36", "3671", "3671010001.RW001", "36"]},  # overlapping subtrees
    {"regions": ["3671010001.RW001.RT001", "3671010001.RW002"], "channels": ["email", "whatsapp"]},
    {"regions": ["36"], "levels": ["province"]},
    {"regions": ["3673"], "exclude": ["3673"]},
    {
        "regions": ["36", "31"],
        "levels": ["village", "rt"],
        "kinds": list(GROUP_KINDS),
        "channels": ["telegram", "whatsapp"],
        "exclude": ["3671010001.RW002"],
    },
]


async def test_create_dispatch(seeded: Store) -> None:
    ann = await new_announcement(seeded)
    before = await audit_len(seeded)
    d = await seeded.create_dispatch(
        ann.id,
        None,
        "manual@1",
        Priority.urgent,
        "ab" * 32,
        {"regions": ["36"]},
        "officer",
        rec("dispatch.create", "dispatch"),
    )
    assert d is not None
    assert (d.announcement_id, d.schedule_id, d.fire_key, d.priority) == (
        ann.id,
        None,
        "manual@1",
        Priority.urgent,
    )
    assert (d.content_hash, d.target, d.status, d.planned) == (
        "ab" * 32,
        {"regions": ["36"]},
        DispatchStatus.planning,
        0,
    )
    assert (d.created_by, d.finished_at, d.note) == ("officer", None, None)
    assert await seeded.get_dispatch(d.id) == d
    [entry] = await seeded.list_audit(1)
    assert (entry.object_type, entry.object_id) == ("dispatch", str(d.id))
    assert await audit_len(seeded) == before + 1


async def test_a_reused_fire_key_creates_nothing(seeded: Store) -> None:
    sched_ann = await new_announcement(seeded)
    schedule = await seeded.create_schedule(
        sched_ann.id, "cron", None, "0 7 * * *", "Asia/Jakarta", "officer", rec()
    )
    first = await seeded.create_dispatch(
        sched_ann.id,
        schedule.id,
        "s1@100",
        Priority.normal,
        "h",
        {"regions": ["36"]},
        "sys",
        rec(),
    )
    assert first is not None and first.schedule_id == schedule.id
    before = await audit_len(seeded)
    again = await seeded.create_dispatch(
        sched_ann.id,
        schedule.id,
        "s1@100",
        Priority.emergency,
        "h",
        {"regions": ["31"]},
        "sys",
        rec(),
    )
    assert again is None
    assert await audit_len(seeded) == before
    assert await seeded.list_dispatches() == [first]


async def test_a_dispatch_of_a_missing_announcement_is_not_found(seeded: Store) -> None:
    with pytest.raises(NotFound):
        await seeded.create_dispatch(
            999, None, "k", Priority.normal, "h", {"regions": ["36"]}, "x", rec()
        )
    with pytest.raises(NotFound):
        await seeded.get_dispatch(1)


async def test_list_dispatches_newest_first_with_filters(seeded: Store) -> None:
    a = await new_announcement(seeded)
    b = await new_announcement(seeded)
    d1 = await new_dispatch(seeded, {"regions": ["36"]}, announcement_id=a.id)
    d2 = await new_dispatch(seeded, {"regions": ["36"]}, announcement_id=b.id)
    d3 = await new_dispatch(seeded, {"regions": ["36"]}, announcement_id=a.id)
    d2 = await seeded.set_dispatch_status(d2.id, DispatchStatus.sending, None)
    assert [d.id for d in await seeded.list_dispatches()] == [d3.id, d2.id, d1.id]
    assert [d.id for d in await seeded.list_dispatches(limit=2)] == [d3.id, d2.id]
    assert await seeded.list_dispatches([DispatchStatus.sending]) == [d2]
    planning = await seeded.list_dispatches([DispatchStatus.planning], announcement_id=a.id)
    assert [d.id for d in planning] == [d3.id, d1.id]
    both = await seeded.list_dispatches([DispatchStatus.planning, DispatchStatus.sending])
    assert len(both) == 3


async def test_next_dispatch_to_plan_is_most_urgent_then_oldest(seeded: Store) -> None:
    assert await seeded.next_dispatch_to_plan() is None
    n1 = await new_dispatch(seeded, {"regions": ["36"]}, Priority.normal)
    u1 = await new_dispatch(seeded, {"regions": ["36"]}, Priority.urgent)
    n2 = await new_dispatch(seeded, {"regions": ["36"]}, Priority.normal)
    u2 = await new_dispatch(seeded, {"regions": ["36"]}, Priority.urgent)
    e1 = await new_dispatch(seeded, {"regions": ["36"]}, Priority.emergency)
    order = []
    while (d := await seeded.next_dispatch_to_plan()) is not None:
        order.append(d.id)
        await seeded.set_dispatch_status(d.id, DispatchStatus.sending, None)
    assert order == [e1.id, u1.id, u2.id, n1.id, n2.id]


async def test_set_dispatch_status(seeded: Store) -> None:
    d = await new_dispatch(seeded, {"regions": ["36"]})
    before = await audit_len(seeded)
    sending = await seeded.set_dispatch_status(d.id, DispatchStatus.sending, None)
    assert sending.status is DispatchStatus.sending and sending.finished_at is None
    assert await audit_len(seeded) == before
    done = await seeded.set_dispatch_status(
        d.id, DispatchStatus.cancelled, rec("dispatch.cancel"), note="dibatalkan"
    )
    assert done.status is DispatchStatus.cancelled and done.finished_at is not None
    assert done.note == "dibatalkan"
    assert await audit_len(seeded) == before + 1
    with pytest.raises(NotFound):
        await seeded.set_dispatch_status(999, DispatchStatus.done, rec())
    assert await audit_len(seeded) == before + 1


@pytest.mark.parametrize("batch", [1, 2, 5000])
async def test_plan_batch_resolves_each_target_exactly(
    seeded: Store, audience: list[Group], batch: int
) -> None:
    for target in TARGETS:
        d = await new_dispatch(seeded, target)
        calls = await plan_all(seeded, d.id, batch)
        want = expected(audience, target)
        got = await planned_groups(seeded, d.id, ACCOUNTS)
        assert got == want, target
        assert (await seeded.get_dispatch(d.id)).planned == len(want), target
        if batch == 1 and want:
            assert calls >= len(want)  # really read in many small batches
        # complete: more calls add nothing
        assert await seeded.plan_batch(d.id, batch) == 0
        assert (await seeded.get_dispatch(d.id)).planned == len(want)
        assert await planned_groups(seeded, d.id, ACCOUNTS) == []  # no new queued rows
    assert len(expected(audience, TARGETS[0])) > 20  # the audience is not trivially small


async def test_small_and_large_batches_plan_the_same_deliveries(
    seeded: Store, audience: list[Group]
) -> None:
    target = TARGETS[-1]
    sets = []
    for batch in (1, 2, 3, 7, 100_000):
        d = await new_dispatch(seeded, target)
        await plan_all(seeded, d.id, batch)
        sets.append(await planned_groups(seeded, d.id, ACCOUNTS))
    assert sets[0] and all(s == sets[0] for s in sets)


async def test_plan_batch_reports_groups_scanned_until_done(
    seeded: Store, audience: list[Group]
) -> None:
    d = await new_dispatch(seeded, {"regions": [TAJUR]})
    in_tajur = sum(1 for g in audience if g.region.startswith(TAJUR))
    scanned = []
    while n := await seeded.plan_batch(d.id, 4):
        assert 0 < n <= 4
        scanned.append(n)
    assert sum(scanned) == in_tajur  # every group in the range is looked at once


async def test_planning_resumes_after_a_restart(
    seeded: Store, audience: list[Group], reopen: Reopen
) -> None:
    target = {"regions": ["3671", "3602"], "kinds": ["rt", "rw", "pkk", "other"]}
    d = await new_dispatch(seeded, target)
    for _ in range(3):
        assert await seeded.plan_batch(d.id, 2) > 0
    again = await reopen()
    await plan_all(again, d.id, 2)
    assert await planned_groups(again, d.id, ACCOUNTS) == expected(audience, target)


async def test_groups_that_changed_during_planning(seeded: Store, audience: list[Group]) -> None:
    d = await new_dispatch(seeded, {"regions": ["36"]})
    assert await seeded.plan_batch(d.id, 3) > 0
    # a group paused before the planner reaches it is skipped
    last = max((g for g in audience if g.status is GroupStatus.active), key=lambda g: g.region)
    await seeded.update_group(last.id, rec(), status=GroupStatus.paused)
    await plan_all(seeded, d.id, 3)
    got = await planned_groups(seeded, d.id, ACCOUNTS)
    assert last.id not in got
    assert len(got) == len(expected(audience, {"regions": ["36"]})) - 1


async def test_plan_batch_of_a_missing_dispatch(seeded: Store) -> None:
    with pytest.raises(NotFound):
        await seeded.plan_batch(404, 10)


async def test_deliveries_inherit_the_dispatch_priority(
    seeded: Store, audience: list[Group]
) -> None:
    normal = await new_dispatch(seeded, {"regions": ["36"]}, Priority.normal)
    emergency = await new_dispatch(seeded, {"regions": ["36"]}, Priority.emergency)
    for d in (normal, emergency):
        await plan_all(seeded, d.id, 1000)
    claimed = []
    for account in ACCOUNTS:
        claimed += [c.dispatch_id for c in await seeded.claim_deliveries(account, 1000, 4e9)]
        first_normal = claimed.index(normal.id)
        assert set(claimed[:first_normal]) == {emergency.id}
        assert set(claimed[first_normal:]) == {normal.id}
        claimed = []
