"""The self-service part of the store contract, on both engines: numbered region choices,
groups added in bulk (all or nothing, one audit entry), users that expire."""

from __future__ import annotations

import time

import pytest

from broadcaster.errors import Conflict
from broadcaster.store.contract import Store
from broadcaster.store.records import AuditRecord, GroupStatus, NewGroup
from tests.store.support import TAJUR, audit_len


async def test_a_choice_is_kept_per_person_until_answered_or_expired(seeded: Store) -> None:
    now = time.time()
    await seeded.save_choice("wa", "1@g.us", "voter-a", '{"codes": ["1"]}', now + 60)
    await seeded.save_choice("wa", "1@g.us", "voter-b", '{"codes": ["2"]}', now - 1)
    assert await seeded.get_choice("wa", "1@g.us", "voter-a", now) == '{"codes": ["1"]}'
    assert await seeded.get_choice("wa", "1@g.us", "voter-b", now) is None  # expired
    assert await seeded.get_choice("wa", "2@g.us", "voter-a", now) is None  # another chat
    await seeded.save_choice("wa", "1@g.us", "voter-a", '{"codes": ["3"]}', now + 60)
    assert await seeded.get_choice("wa", "1@g.us", "voter-a", now) == '{"codes": ["3"]}'
    await seeded.drop_choice("wa", "1@g.us", "voter-a")
    assert await seeded.get_choice("wa", "1@g.us", "voter-a", now) is None


def _new(address: str, status: GroupStatus = GroupStatus.pending) -> NewGroup:
    return NewGroup(
        channel="file",
        account="outbox",
        address=address,
        region=TAJUR,
        kind="rt",
        title="RT 1",
        language="id",
        status=status,
        subscribed_by="officer",
    )


async def test_groups_are_added_in_bulk_all_or_nothing(seeded: Store) -> None:
    before = await audit_len(seeded)
    audit = AuditRecord(
        actor="officer",
        action="groups.import",
        object_type="groups",
        object_id="f.csv",
        detail={"rows": 2},
    )
    for i in range(3):
        rows = [_new(f"g{i}"), _new(f"a{i}", GroupStatus.active)]
        assert await seeded.add_groups(rows, "officer", audit) == 2
    assert await audit_len(seeded) == before + 3  # one entry per import, not per row
    keys = await seeded.groups_of_accounts(["outbox", "nobody"])
    assert sorted(k.address for k in keys) == ["a0", "a1", "a2", "g0", "g1", "g2"]
    active = await seeded.find_group("file", "outbox", "a1")
    assert active is not None and active.approved_by == "officer"
    assert active.status is GroupStatus.active
    pending = await seeded.find_group("file", "outbox", "g1")
    assert pending is not None and pending.approved_by is None
    # one row already there: nothing of the batch is written, not even the audit entry
    with pytest.raises(Conflict):
        await seeded.add_groups([_new("new-1"), _new("g0")], "officer", audit)
    assert await seeded.find_group("file", "outbox", "new-1") is None
    assert await audit_len(seeded) == before + 3


async def test_users_expire(seeded: Store) -> None:
    assert await seeded.user_valid_until("verifier") is None
    audit = AuditRecord(
        actor="admin", action="user.valid_until", object_type="user", object_id="verifier"
    )
    await seeded.set_user_valid_until("verifier", 1_900_000_000.0, audit)
    assert await seeded.user_valid_until("verifier") == 1_900_000_000.0
    await seeded.set_user_valid_until("verifier", 1_800_000_000.0, audit)
    assert await seeded.users_valid_until() == {"verifier": 1_800_000_000.0}
    await seeded.set_user_email("verifier", "siti@kampus.example.id", audit)
    assert await seeded.user_email("verifier") == "siti@kampus.example.id"
    assert await seeded.user_valid_until("verifier") == 1_800_000_000.0  # kept
    await seeded.set_user_valid_until("verifier", None, audit)
    assert await seeded.user_valid_until("verifier") is None
    assert await seeded.users_valid_until() == {}
    assert await seeded.user_email("verifier") == "siti@kampus.example.id"
    assert await seeded.user_email("officer") is None
