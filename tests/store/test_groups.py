"""Groups in the store: add, look up, stream and count under a subtree, update."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from broadcaster.errors import Conflict, InputError, NotFound
from broadcaster.store.contract import Store
from broadcaster.store.records import Group, GroupFilter, GroupStatus, NewGroup
from content.model import Level
from tests.store.support import (
    KAMANISAN_RT1,
    LEBAK_RT1,
    PARUNG_RT1,
    TAJUR,
    TAJUR_RT1,
    TAJUR_RT2,
    TAJUR_RW1,
    add_groups,
    audit_len,
    collect,
    group,
    rec,
)

ACTIVE, PENDING, PAUSED, REMOVED = (
    GroupStatus.active,
    GroupStatus.pending,
    GroupStatus.paused,
    GroupStatus.removed,
)

# (region, address, channel, account, kind, status): spread over levels, channels and statuses
SPECS: list[tuple[str, str, str, str, str, GroupStatus]] = [
    ("36", "p1", "telegram", "tg", "other", ACTIVE),
    ("3671", "k1", "email", "mail", "other", ACTIVE),
    (TAJUR, "v1", "telegram", "tg", "pkk", ACTIVE),
    (TAJUR, "v2", "whatsapp", "wa", "posyandu", PENDING),
    (TAJUR_RW1, "rw1", "telegram", "tg", "rw", ACTIVE),
    (TAJUR_RT1, "rt1", "telegram", "tg", "rt", ACTIVE),
    (TAJUR_RT1, "rt1b", "telegram", "tg2", "rt", PAUSED),
    (TAJUR_RT2, "rt2", "whatsapp", "wa", "rt", ACTIVE),
    (PARUNG_RT1, "pr1", "telegram", "tg", "rt", REMOVED),
    (KAMANISAN_RT1, "ka1", "email", "mail", "majelis_taklim", ACTIVE),
    (LEBAK_RT1, "lb1", "telegram", "tg", "karang_taruna", ACTIVE),
    ("31", "jk1", "telegram", "tg", "other", ACTIVE),
]


@pytest.fixture
async def groups(seeded: Store) -> list[Group]:
    return await add_groups(
        seeded,
        [
            group(region, address, channel=channel, account=account, kind=kind, status=status)
            for region, address, channel, account, kind, status in SPECS
        ],
    )


def brute(groups: list[Group], where: GroupFilter) -> list[Group]:
    """What a filter must select, walked in Python."""
    return sorted(
        (
            g
            for g in groups
            if (where.region is None or g.region.startswith(where.region))
            and (not where.levels or g.region_level in where.levels)
            and (not where.kinds or g.kind in where.kinds)
            and (not where.channels or g.channel in where.channels)
            and (not where.statuses or g.status in where.statuses)
            and (not where.accounts or g.account in where.accounts)
        ),
        key=lambda g: (g.region, g.id),
    )


async def test_add_returns_the_stored_group(seeded: Store) -> None:
    new = NewGroup(
        channel="telegram",
        account="tg",
        address="-1001",
        region=TAJUR_RT1,
        kind="rt",
        title="RT 1 Tajur",
        language="en",
        status=PENDING,
        subscribed_by="budi",
    )
    g = await seeded.add_group(new, rec("group.add", "group"))
    assert (g.channel, g.account, g.address, g.region, g.kind) == (
        "telegram",
        "tg",
        "-1001",
        TAJUR_RT1,
        "rt",
    )
    assert (g.region_level, g.title, g.language, g.status) == (
        Level.rt,
        "RT 1 Tajur",
        "en",
        PENDING,
    )
    assert (g.subscribed_by, g.approved_by) == ("budi", None)
    assert g.created_at == g.updated_at and g.created_at.tzinfo is not None
    assert await seeded.get_group(g.id) == g
    assert await seeded.find_group("telegram", "tg", "-1001") == g
    [entry] = await seeded.list_audit(1)
    assert (entry.action, entry.object_type, entry.object_id) == ("group.add", "group", str(g.id))


async def test_the_same_address_twice_on_one_account_is_a_conflict(seeded: Store) -> None:
    await add_groups(seeded, [group(TAJUR_RT1, "-1")])
    before = await audit_len(seeded)
    with pytest.raises(Conflict, match="-1"):
        await seeded.add_group(group(TAJUR_RT2, "-1"), rec())
    assert await audit_len(seeded) == before  # rolled back with the failed insert
    # the same address on another account or channel is another group
    await add_groups(seeded, [group(TAJUR_RT1, "-1", account="tg2")])
    await add_groups(seeded, [group(TAJUR_RT1, "-1", channel="whatsapp")])
    assert (await seeded.count_groups(GroupFilter()))["total"] == 3


async def test_a_group_needs_an_existing_well_formed_region(seeded: Store) -> None:
    before = await audit_len(seeded)
    with pytest.raises(NotFound, match=r"3671010001\.RW009"):
        await seeded.add_group(group("3671010001.RW009", "-1"), rec())
    with pytest.raises(NotFound):
        await seeded.add_group(group("3674", "-1"), rec())
    with pytest.raises(InputError, match="malformed"):
        await seeded.add_group(group("367", "-1"), rec())
    assert await audit_len(seeded) == before
    assert (await seeded.count_groups(GroupFilter()))["total"] == 0


async def test_lookups_of_missing_groups(seeded: Store) -> None:
    with pytest.raises(NotFound):
        await seeded.get_group(12345)
    assert await seeded.find_group("telegram", "tg", "nope") is None


async def test_find_group_matches_channel_account_and_address(
    seeded: Store, groups: list[Group]
) -> None:
    rt1b = next(g for g in groups if g.address == "rt1b")
    assert await seeded.find_group("telegram", "tg2", "rt1b") == rt1b
    assert await seeded.find_group("telegram", "tg", "rt1b") is None
    assert await seeded.find_group("email", "tg2", "rt1b") is None


FILTERS = [
    GroupFilter(),
    GroupFilter(region="36"),
    GroupFilter(region="3671"),
    GroupFilter(region=TAJUR),
    GroupFilter(region=TAJUR_RW1),
    GroupFilter(region=TAJUR_RT1),
    GroupFilter(region="3602"),
    GroupFilter(region="31"),
    GroupFilter(region="3673010"),
    GroupFilter(levels=(Level.rt,)),
    GroupFilter(region="36", levels=(Level.village, Level.rw)),
    GroupFilter(kinds=("rt",)),
    GroupFilter(region="3671", kinds=("pkk", "posyandu", "rw")),
    GroupFilter(channels=("telegram",)),
    GroupFilter(region="36", channels=("email", "whatsapp")),
    GroupFilter(statuses=(ACTIVE,)),
    GroupFilter(region=TAJUR, statuses=(PAUSED, PENDING)),
    GroupFilter(accounts=("tg2",)),
    GroupFilter(region="3671", accounts=("tg", "wa")),
    GroupFilter(
        region="36",
        levels=(Level.rt,),
        kinds=("rt",),
        channels=("telegram",),
        statuses=(ACTIVE,),
        accounts=("tg",),
    ),
    GroupFilter(region="36", kinds=("nothing",)),
]


@pytest.mark.parametrize("batch", [1, 2, 3, 1000])
async def test_iter_groups_equals_a_walk_of_the_groups(
    seeded: Store, groups: list[Group], batch: int
) -> None:
    for where in FILTERS:
        expected = brute(groups, where)
        assert await collect(seeded.iter_groups(where, batch=batch)) == expected, where
        assert (await seeded.count_groups(where))["total"] == len(expected), where
    assert len(brute(groups, GroupFilter(region="36"))) == 11  # the fixture is what we think


async def test_count_groups_by_each_key(seeded: Store, groups: list[Group]) -> None:
    for where in FILTERS:
        selected = brute(groups, where)
        for by, key in (
            ("status", lambda g: str(g.status)),
            ("channel", lambda g: g.channel),
            ("kind", lambda g: g.kind),
            ("level", lambda g: str(g.region_level)),
        ):
            expected = dict(Counter(key(g) for g in selected))
            assert await seeded.count_groups(where, by=by) == expected, (where, by)


async def test_count_groups_by_an_unknown_key_is_refused(seeded: Store) -> None:
    with pytest.raises(ValueError, match="region"):
        await seeded.count_groups(GroupFilter(), by="region")


async def test_iter_groups_rejects_a_malformed_subtree(seeded: Store, groups: list[Group]) -> None:
    with pytest.raises(InputError):
        await collect(seeded.iter_groups(GroupFilter(region="3")))
    with pytest.raises(InputError):
        await seeded.count_groups(GroupFilter(region=""))


async def test_iter_groups_pages_resume_within_one_region(seeded: Store) -> None:
    # many groups on one node: pages must split between groups of the same region
    made = await add_groups(seeded, [group(TAJUR_RT1, f"a{i}") for i in range(7)])
    made += await add_groups(seeded, [group(TAJUR_RT2, f"b{i}") for i in range(4)])
    got = await collect(seeded.iter_groups(GroupFilter(region=TAJUR), batch=3))
    assert [g.id for g in got] == [g.id for g in made]


async def test_update_group_status_and_approver(seeded: Store, groups: list[Group]) -> None:
    g = next(g for g in groups if g.status is PENDING)
    before = await audit_len(seeded)
    updated = await seeded.update_group(
        g.id, rec("group.approve", "group", str(g.id)), status=ACTIVE, approved_by="verifier"
    )
    assert (updated.status, updated.approved_by) == (ACTIVE, "verifier")
    assert updated.updated_at >= g.updated_at and updated.created_at == g.created_at
    assert (
        dataclasses.replace(updated, status=g.status, approved_by=None, updated_at=g.updated_at)
        == g
    )
    assert await seeded.get_group(g.id) == updated
    assert await audit_len(seeded) == before + 1


async def test_moving_a_group_changes_its_level(seeded: Store, groups: list[Group]) -> None:
    g = next(g for g in groups if g.address == "rt1")
    moved = await seeded.update_group(g.id, rec(), region=TAJUR)
    assert (moved.region, moved.region_level) == (TAJUR, Level.village)
    assert moved not in await collect(seeded.iter_groups(GroupFilter(region=TAJUR_RT1)))
    assert moved in await collect(seeded.iter_groups(GroupFilter(levels=(Level.village,))))
    moved = await seeded.update_group(g.id, rec(), region="3673")
    assert (moved.region, moved.region_level) == ("3673", Level.regency)


async def test_update_group_kind_and_address(seeded: Store, groups: list[Group]) -> None:
    g = next(g for g in groups if g.address == "rt1")
    changed = await seeded.update_group(g.id, rec(), address="-100200", kind="pkk")
    assert (changed.address, changed.kind) == ("-100200", "pkk")
    assert await seeded.find_group("telegram", "tg", "rt1") is None
    assert await seeded.find_group("telegram", "tg", "-100200") == changed


async def test_update_group_refusals_change_nothing(seeded: Store, groups: list[Group]) -> None:
    g = next(g for g in groups if g.address == "rt1")
    before = await audit_len(seeded)
    with pytest.raises(Conflict):  # p1 is taken on telegram/tg
        await seeded.update_group(g.id, rec(), address="p1", status=PAUSED)
    with pytest.raises(NotFound):
        await seeded.update_group(g.id, rec(), region="3671010001.RW005", status=PAUSED)
    with pytest.raises(NotFound):
        await seeded.update_group(99999, rec(), status=PAUSED)
    assert await seeded.get_group(g.id) == g
    assert await audit_len(seeded) == before


async def test_the_freed_address_can_be_taken(seeded: Store, groups: list[Group]) -> None:
    g = next(g for g in groups if g.address == "rt1")
    await seeded.update_group(g.id, rec(), address="moved")
    [again] = await add_groups(seeded, [group(TAJUR_RT2, "rt1")])
    assert again.id != g.id
