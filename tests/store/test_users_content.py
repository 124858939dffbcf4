"""Users, announcements, approvals and schedules in the store."""

from __future__ import annotations

import pytest

from broadcaster.errors import Conflict, NotFound
from broadcaster.store.contract import Store
from broadcaster.store.records import Role, ScheduleStatus
from content.hashing import content_hash
from content.workflow import Status
from tests.seed import seed_regions
from tests.store.support import announcement, audit_len, new_announcement, rec

ALPHABET = set("23456789ABCDEFGHJKMNPQRSTUVWXYZ")


# -- users -------------------------------------------------------------------------------------
async def test_add_get_and_list_users(store: Store) -> None:
    await seed_regions(store)
    officer = await store.add_user("siti", Role.officer, "3671", rec("user.add", "user", "siti"))
    admin = await store.add_user("adi", Role.admin, None, rec("user.add", "user", "adi"))
    assert (officer.name, officer.role, officer.scope, officer.active) == (
        "siti",
        Role.officer,
        "3671",
        True,
    )
    assert admin.scope is None
    assert await store.get_user("siti") == officer
    assert [u.name for u in await store.list_users()] == ["adi", "siti"]
    with pytest.raises(NotFound, match="nobody"):
        await store.get_user("nobody")


async def test_duplicate_user_name_and_unknown_scope_are_refused(store: Store) -> None:
    await seed_regions(store)
    await store.add_user("siti", Role.officer, "3671", rec())
    before = await audit_len(store)
    with pytest.raises(Conflict, match="siti"):
        await store.add_user("siti", Role.verifier, "36", rec())
    with pytest.raises(NotFound, match="3699"):
        await store.add_user("budi", Role.officer, "3699", rec())
    assert await audit_len(store) == before
    assert [u.name for u in await store.list_users()] == ["siti"]


async def test_update_user(store: Store) -> None:
    await seed_regions(store)
    await store.add_user("siti", Role.officer, "3671", rec())
    before = await audit_len(store)
    changed = await store.update_user("siti", rec("user.update"), role=Role.verifier, scope="36")
    assert (changed.role, changed.scope, changed.active) == (Role.verifier, "36", True)
    off = await store.update_user("siti", rec("user.deactivate"), active=False)
    assert off.active is False and off.role is Role.verifier
    assert await store.get_user("siti") == off
    assert await audit_len(store) == before + 2


async def test_update_user_refusals_change_nothing(store: Store) -> None:
    await seed_regions(store)
    siti = await store.add_user("siti", Role.officer, "3671", rec())
    before = await audit_len(store)
    with pytest.raises(NotFound, match="nobody"):
        await store.update_user("nobody", rec(), role=Role.admin)
    with pytest.raises(NotFound, match="nobody"):
        await store.update_user("nobody", rec())  # nothing to change, still unknown
    with pytest.raises(NotFound, match="3699"):
        await store.update_user("siti", rec(), scope="3699", role=Role.admin)
    assert await store.get_user("siti") == siti
    assert await audit_len(store) == before


# -- announcements -----------------------------------------------------------------------------
async def test_create_announcement_as_a_draft_with_a_short_code(store: Store) -> None:
    content = announcement()
    digest = content_hash(content)
    record = await store.create_announcement("officer", content, digest, rec("ann.create"))
    assert (record.author, record.status, record.version) == ("officer", Status.draft, 1)
    assert record.content == content and record.content_hash == digest
    assert record.approved_hash is None and record.reject_reason is None
    assert len(record.short_code) == 8 and set(record.short_code) <= ALPHABET
    assert await store.get_announcement(record.id) == record
    assert await store.find_announcement(record.short_code) == record
    assert await store.find_announcement(record.short_code.lower()) == record
    assert await store.find_announcement("ZZZZZZZZ") is None
    with pytest.raises(NotFound):
        await store.get_announcement(record.id + 1)
    [entry] = await store.list_audit(1)
    assert entry.object_id == str(record.id)


async def test_short_codes_are_distinct(store: Store) -> None:
    codes = {(await new_announcement(store)).short_code for _ in range(30)}
    assert len(codes) == 30


async def test_save_announcement_is_optimistic(store: Store) -> None:
    record = await new_announcement(store)
    edited = announcement(source="BMKG")
    saved = await store.save_announcement(
        record.id,
        1,
        rec("ann.edit"),
        status=Status.draft,
        content=edited,
        content_hash=content_hash(edited),
    )
    assert saved.version == 2 and saved.content == edited
    assert saved.content_hash == content_hash(edited) != record.content_hash
    before = await audit_len(store)
    with pytest.raises(Conflict, match="meanwhile"):  # a second writer still holding version 1
        await store.save_announcement(record.id, 1, rec(), status=Status.submitted)
    assert await store.get_announcement(record.id) == saved
    assert await audit_len(store) == before
    with pytest.raises(NotFound):
        await store.save_announcement(record.id + 9, 1, rec(), status=Status.submitted)


async def test_save_announcement_sets_and_clears_the_approved_hash(store: Store) -> None:
    record = await new_announcement(store)
    approved = await store.save_announcement(
        record.id, 1, rec(), status=Status.approved, approved_hash=record.content_hash
    )
    assert (approved.status, approved.approved_hash) == (Status.approved, record.content_hash)
    kept = await store.save_announcement(record.id, 2, rec(), status=Status.scheduled)
    assert kept.approved_hash == record.content_hash
    cleared = await store.save_announcement(
        record.id, 3, rec(), status=Status.draft, clear_approved=True
    )
    assert cleared.approved_hash is None and cleared.version == 4
    rejected = await store.save_announcement(
        record.id, 4, rec(), status=Status.rejected, reject_reason="sumber tidak jelas"
    )
    assert rejected.reject_reason == "sumber tidak jelas"


async def test_list_announcements_newest_first_by_status(store: Store) -> None:
    records = [await new_announcement(store) for _ in range(5)]
    await store.save_announcement(records[1].id, 1, rec(), status=Status.submitted)
    await store.save_announcement(records[3].id, 1, rec(), status=Status.submitted)
    assert [r.id for r in await store.list_announcements()] == [r.id for r in reversed(records)]
    submitted = await store.list_announcements(Status.submitted)
    assert [r.id for r in submitted] == [records[3].id, records[1].id]
    assert [r.id for r in await store.list_announcements(Status.draft)] == [
        records[4].id,
        records[2].id,
        records[0].id,
    ]
    page = await store.list_announcements(limit=2, offset=1)
    assert [r.id for r in page] == [records[3].id, records[2].id]


# -- approvals ---------------------------------------------------------------------------------
async def test_approvals_are_per_hash_and_once_per_approver(store: Store) -> None:
    record = await new_announcement(store)
    first = await store.add_approval(record.id, "verifier", "h1", rec("ann.approve"))
    assert [(a.approver, a.content_hash) for a in first] == [("verifier", "h1")]
    before = await audit_len(store)
    with pytest.raises(Conflict, match="verifier"):
        await store.add_approval(record.id, "verifier", "h1", rec())
    assert await audit_len(store) == before
    # an approval of another hash (after an edit) does not count for this one
    other = await store.add_approval(record.id, "verifier", "h2", rec())
    assert [(a.approver, a.content_hash) for a in other] == [("verifier", "h2")]
    both = await store.add_approval(record.id, "verifier2", "h1", rec())
    assert [(a.approver, a.content_hash) for a in both] == [
        ("verifier", "h1"),
        ("verifier2", "h1"),
    ]
    trail = await store.list_approvals(record.id)
    assert [(a.approver, a.content_hash) for a in trail] == [
        ("verifier", "h1"),
        ("verifier", "h2"),
        ("verifier2", "h1"),
    ]
    assert all(a.announcement_id == record.id for a in trail)
    other_record = await new_announcement(store)
    assert await store.list_approvals(other_record.id) == []


async def test_approving_a_missing_announcement_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        await store.add_approval(42, "verifier", "h1", rec())
    assert await audit_len(store) == 0


# -- schedules ---------------------------------------------------------------------------------
async def test_create_list_and_update_schedules(store: Store) -> None:
    a = await new_announcement(store)
    b = await new_announcement(store)
    once = await store.create_schedule(
        a.id, "once", 1_900_000_000.0, None, "Asia/Jakarta", "officer", rec("schedule.create")
    )
    cron = await store.create_schedule(
        b.id, "cron", None, "0 7 * * 1", "Asia/Makassar", "officer", rec("schedule.create")
    )
    assert (once.kind, once.status, once.cron, once.timezone) == (
        "once",
        ScheduleStatus.active,
        None,
        "Asia/Jakarta",
    )
    assert once.run_at is not None and once.run_at.timestamp() == 1_900_000_000.0
    assert (cron.run_at, cron.cron, cron.last_fired_at) == (None, "0 7 * * 1", None)
    assert await store.get_schedule(once.id) == once
    assert await store.list_schedules() == [once, cron]
    assert await store.list_schedules(announcement_id=b.id) == [cron]

    before = await audit_len(store)
    fired = await store.update_schedule(cron.id, None, last_fired_at=1_800_000_000.5)
    assert fired.last_fired_at is not None and fired.last_fired_at.timestamp() == 1_800_000_000.5
    assert await audit_len(store) == before  # the system's bookkeeping: no audit asked for
    missed = await store.update_schedule(
        once.id, rec("schedule.missed"), status=ScheduleStatus.missed, note="down at 07:00"
    )
    assert (missed.status, missed.note) == (ScheduleStatus.missed, "down at 07:00")
    assert await audit_len(store) == before + 1
    assert await store.list_schedules(ScheduleStatus.active) == [fired]
    assert await store.list_schedules(ScheduleStatus.missed, a.id) == [missed]
    assert await store.list_schedules(ScheduleStatus.missed, b.id) == []


async def test_schedule_lookups_and_refusals(store: Store) -> None:
    with pytest.raises(NotFound):
        await store.get_schedule(1)
    with pytest.raises(NotFound):
        await store.create_schedule(7, "now", None, None, "Asia/Jakarta", "x", rec())
    with pytest.raises(NotFound):
        await store.update_schedule(7, rec(), status=ScheduleStatus.cancelled)
    with pytest.raises(NotFound):
        await store.update_schedule(7, rec())
    assert await audit_len(store) == 0
