"""The verification workflow against a real SQLite store: compose → submit → approve (someone
else, N times) → schedule → dispatch, and every way that chain must refuse to go on."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.scripted import ScriptedAdapter
from broadcaster.announcements import Workflow, start_dispatch
from broadcaster.directory import Directory
from broadcaster.errors import (
    Conflict,
    ContentInvalid,
    Expired,
    InputError,
    IntegrityError,
    PermissionDenied,
)
from broadcaster.store.contract import Store
from broadcaster.store.records import (
    AnnouncementRecord,
    DispatchStatus,
    GroupStatus,
    ScheduleRecord,
    ScheduleStatus,
)
from broadcaster.store.sqlite import SqliteStore
from content.hashing import content_hash
from content.model import Announcement, Poll, Priority, Target, Variant
from content.workflow import Status
from schedules.spec import ScheduleSpec
from tests.seed import seed_regions, seed_users


def make_content(
    regions: Sequence[str] = ("3673",),
    *,
    title: str = "Peringatan banjir",
    body: str = "Mohon **waspada** banjir di bantaran sungai.",
    options: Sequence[str] | None = None,
    expires_at: datetime | None = None,
    priority: Priority = Priority.urgent,
    source: str | None = "BPBD Provinsi Banten",
) -> Announcement:
    """A valid announcement (as of now) unless a parameter says otherwise."""
    return Announcement(
        variants={"id": Variant(title=title, body=body)},
        poll=Poll(question="Apakah wilayah Anda tergenang?", options=list(options))
        if options is not None
        else None,
        priority=priority,
        source=source,
        expires_at=expires_at or datetime.now(UTC) + timedelta(days=2),
        target=Target(regions=list(regions)),
    )


@pytest.fixture
async def seeded(store: Store) -> Store:
    await seed_regions(store)
    await seed_users(store)
    return store


@pytest.fixture
def wf(seeded: Store) -> Workflow:
    return Workflow(seeded)


async def approved(wf: Workflow, content: Announcement | None = None) -> AnnouncementRecord:
    record = await wf.create("officer", content or make_content())
    await wf.submit("officer", record.id)
    result = await wf.approve("verifier", record.id)
    assert result.status is Status.approved
    return result


async def scheduled(
    wf: Workflow, content: Announcement | None = None
) -> tuple[AnnouncementRecord, ScheduleRecord]:
    record = await approved(wf, content)
    spec = ScheduleSpec.at(datetime.now(UTC) + timedelta(hours=1))
    schedule = await wf.schedule("officer", record.id, spec)
    return await wf.store.get_announcement(record.id), schedule


def sqlite_of(store: Store) -> SqliteStore:
    assert isinstance(store, SqliteStore)
    return store


async def execute(store: Store, sql: str, params: Sequence[Any] = ()) -> None:
    """Write straight into the database, as someone with direct access would."""
    from broadcaster.store.postgres import PostgresStore
    from broadcaster.store.postgres.base import q

    if isinstance(store, PostgresStore):
        async with store.pool.acquire() as conn:
            await conn.execute(q(sql), *params)
        return
    db = sqlite_of(store).db
    await db.execute(sql, tuple(params))
    await db.commit()


# -- the happy path ---------------------------------------------------------------------------
async def test_create_submit_approve_schedule_dispatch_carries_the_approved_hash(
    wf: Workflow,
) -> None:
    content = make_content()
    record = await wf.create("officer", content)
    assert record.status is Status.draft
    assert record.author == "officer"
    assert record.content_hash == content_hash(content)
    assert record.approved_hash is None

    submitted = await wf.submit("officer", record.id)
    assert submitted.status is Status.submitted

    approved_record = await wf.approve("verifier", record.id)
    assert approved_record.status is Status.approved
    assert approved_record.approved_hash == content_hash(content)

    schedule = await wf.schedule("officer", record.id, ScheduleSpec.now())
    assert schedule.status is ScheduleStatus.active
    assert schedule.announcement_id == record.id
    assert (await wf.store.get_announcement(record.id)).status is Status.scheduled

    dispatch = await start_dispatch(wf.store, record.id, schedule, datetime.now(UTC))
    assert dispatch is not None
    assert dispatch.content_hash == content_hash(content)
    assert dispatch.announcement_id == record.id
    assert dispatch.schedule_id == schedule.id
    assert dispatch.status is DispatchStatus.planning
    assert dispatch.target["regions"] == ["3673"]
    assert (await wf.store.get_announcement(record.id)).status is Status.dispatching


# -- submit ----------------------------------------------------------------------------------
async def test_submit_lists_every_problem_at_once(wf: Workflow) -> None:
    bad = make_content(
        regions=("3699", "36x"),
        body="   ",
        options=[f"Pilihan {n}" for n in range(13)],
        expires_at=datetime.now(UTC) - timedelta(hours=1),
    )
    record = await wf.create("admin", bad)
    with pytest.raises(ContentInvalid) as caught:
        await wf.submit("admin", record.id)
    problems = caught.value.problems
    text = "\n".join(problems)
    assert any(p.startswith("variants.id.body:") for p in problems), text
    assert any(p.startswith("poll.options:") and "13" in p for p in problems), text
    assert any(p.startswith("expires_at:") for p in problems), text
    assert any("3699" in p and "does not exist" in p for p in problems), text
    assert any("36x" in p and "malformed" in p for p in problems), text
    assert len(problems) >= 5
    assert (await wf.store.get_announcement(record.id)).status is Status.draft


async def test_submit_twice_is_a_conflict(wf: Workflow) -> None:
    record = await wf.create("officer", make_content())
    await wf.submit("officer", record.id)
    with pytest.raises(Conflict, match="submitted"):
        await wf.submit("officer", record.id)


# -- approval --------------------------------------------------------------------------------
async def test_the_author_cannot_approve_or_reject_their_own(wf: Workflow) -> None:
    record = await wf.create("admin", make_content())
    await wf.submit("admin", record.id)
    with pytest.raises(PermissionDenied, match="author"):
        await wf.approve("admin", record.id)
    with pytest.raises(PermissionDenied, match="author"):
        await wf.reject("admin", record.id, "tidak jelas")
    assert await wf.store.list_approvals(record.id) == []
    assert (await wf.store.get_announcement(record.id)).status is Status.submitted


async def test_approval_needs_a_submitted_announcement(wf: Workflow) -> None:
    record = await wf.create("officer", make_content())
    with pytest.raises(Conflict, match="draft"):
        await wf.approve("verifier", record.id)
    assert await wf.store.list_approvals(record.id) == []


async def test_two_approvals_need_two_distinct_verifiers_other_than_the_author(
    seeded: Store,
) -> None:
    wf = Workflow(seeded, approvals_required=2)
    record = await wf.create("officer", make_content())
    await wf.submit("officer", record.id)

    first = await wf.approve("verifier", record.id)
    assert first.status is Status.submitted
    assert first.approved_hash is None
    with pytest.raises(Conflict, match="already approved"):
        await wf.approve("verifier", record.id)
    assert (await wf.store.get_announcement(record.id)).status is Status.submitted
    with pytest.raises(PermissionDenied):
        await wf.approve("officer", record.id)

    second = await wf.approve("verifier2", record.id)
    assert second.status is Status.approved
    assert second.approved_hash == record.content_hash
    approvers = {a.approver for a in await wf.store.list_approvals(record.id)}
    assert approvers == {"verifier", "verifier2"}


# -- edits void approvals ----------------------------------------------------------------------
async def test_a_one_character_edit_voids_the_approval(wf: Workflow) -> None:
    record = await approved(wf)
    old_hash = record.content_hash
    edited = make_content(body="Mohon **waspada** banjir di bantaran sungai!")
    after = await wf.edit("officer", record.id, edited)
    assert after.status is Status.draft
    assert after.approved_hash is None
    assert after.content_hash == content_hash(edited) != old_hash
    with pytest.raises(Conflict, match="draft"):
        await wf.schedule("officer", record.id, ScheduleSpec.now())

    await wf.submit("officer", record.id)
    again = await wf.approve("verifier2", record.id)
    assert again.status is Status.approved
    assert again.approved_hash == content_hash(edited)


@pytest.mark.parametrize("status", ["draft", "submitted", "approved", "rejected"])
async def test_every_editable_status_returns_to_draft(wf: Workflow, status: str) -> None:
    record = await wf.create("officer", make_content())
    if status != "draft":
        await wf.submit("officer", record.id)
    if status == "approved":
        await wf.approve("verifier", record.id)
    if status == "rejected":
        await wf.reject("verifier", record.id, "sumber tidak disebut")
    after = await wf.edit("officer", record.id, make_content(title="Peringatan banjir!"))
    assert after.status is Status.draft
    assert after.approved_hash is None


async def test_scheduled_content_cannot_be_edited(wf: Workflow) -> None:
    record, _ = await scheduled(wf)
    with pytest.raises(Conflict, match="scheduled"):
        await wf.edit("officer", record.id, make_content(title="Lain"))


async def test_editing_back_to_approved_content_does_not_revive_the_approval(
    wf: Workflow,
) -> None:
    original = make_content()
    record = await approved(wf, original)
    await wf.edit("officer", record.id, make_content(title="Peringatan banjir!"))
    back = await wf.edit("officer", record.id, original)
    assert back.content_hash == record.approved_hash  # byte-identical to what was approved
    assert back.status is Status.draft
    assert back.approved_hash is None
    with pytest.raises(Conflict):
        await wf.schedule("officer", record.id, ScheduleSpec.now())
    submitted = await wf.submit("officer", record.id)
    assert submitted.status is Status.submitted  # the old approval does not approve it again


async def test_approvals_from_before_an_edit_no_longer_count(seeded: Store) -> None:
    wf = Workflow(seeded, approvals_required=2)
    original = make_content()
    record = await wf.create("officer", original)
    await wf.submit("officer", record.id)
    await wf.approve("verifier", record.id)  # 1 of 2

    await wf.edit("officer", record.id, make_content(title="Peringatan banjir!"))
    await wf.edit("officer", record.id, original)  # same hash as the approval above
    await wf.submit("officer", record.id)

    after = await wf.approve("verifier2", record.id)
    assert after.status is Status.submitted, "an approval voided by an edit was counted"
    with pytest.raises(Conflict):
        await wf.approve("verifier", record.id)
    final = await wf.approve("admin", record.id)
    assert final.status is Status.approved


# -- reject ----------------------------------------------------------------------------------
@pytest.mark.parametrize("reason", ["", "   \n"])
async def test_reject_needs_a_reason(wf: Workflow, reason: str) -> None:
    record = await wf.create("officer", make_content())
    await wf.submit("officer", record.id)
    with pytest.raises(InputError, match="reason"):
        await wf.reject("verifier", record.id, reason)
    assert (await wf.store.get_announcement(record.id)).status is Status.submitted


async def test_rejected_then_edited_then_resubmitted(wf: Workflow) -> None:
    record = await wf.create("officer", make_content())
    await wf.submit("officer", record.id)
    rejected = await wf.reject("verifier", record.id, "Sumber BMKG belum dicantumkan")
    assert rejected.status is Status.rejected
    assert rejected.reject_reason == "Sumber BMKG belum dicantumkan"
    entry = (await wf.store.list_audit(1, "announcement", str(record.id)))[0]
    assert entry.action == "announcement.reject"
    assert entry.actor == "verifier"
    assert "Sumber BMKG belum dicantumkan" in entry.detail

    with pytest.raises(Conflict, match="rejected"):
        await wf.submit("officer", record.id)
    with pytest.raises(Conflict, match="rejected"):
        await wf.approve("verifier2", record.id)

    with_source = make_content(source="BMKG")
    fixed = await wf.edit("officer", record.id, with_source)
    assert fixed.status is Status.draft
    await wf.submit("officer", record.id)
    result = await wf.approve("verifier", record.id)
    assert result.status is Status.approved
    assert result.approved_hash == content_hash(with_source)


# -- schedule and cancel -------------------------------------------------------------------------
async def test_only_approved_announcements_can_be_scheduled(wf: Workflow) -> None:
    record = await wf.create("officer", make_content())
    with pytest.raises(Conflict, match="only approved"):
        await wf.schedule("officer", record.id, ScheduleSpec.now())
    await wf.submit("officer", record.id)
    with pytest.raises(Conflict, match="only approved"):
        await wf.schedule("officer", record.id, ScheduleSpec.now())
    await wf.reject("verifier", record.id, "judul menyesatkan")
    with pytest.raises(Conflict, match="only approved"):
        await wf.schedule("officer", record.id, ScheduleSpec.now())
    assert await wf.store.list_schedules(announcement_id=record.id) == []


async def test_cancel_cancels_schedules_dispatches_and_queued_deliveries(wf: Workflow) -> None:
    directory = Directory(wf.store, {"scripted": ScriptedAdapter})
    for n, region in enumerate(
        ["3673010001", "3673010001.RW001", "3673010001.RW001.RT001", "3673010001.RW002.RT003"]
    ):
        await directory.add_group(
            "officer", "scripted", f"chat-{n}", region, "rt", status=GroupStatus.active
        )
    record, schedule = await scheduled(wf)
    spare = await wf.schedule(
        "officer", record.id, ScheduleSpec.crontab("0 7 * * 1", tz="Asia/Jakarta")
    )
    dispatch = await start_dispatch(wf.store, record.id, schedule, datetime.now(UTC))
    assert dispatch is not None
    while await wf.store.plan_batch(dispatch.id, 2):
        pass
    assert (await wf.store.dispatch_progress(dispatch.id)).by_status == {"queued": 4}

    cancelled = await wf.cancel("officer", record.id, "banjir sudah surut")
    assert cancelled.status is Status.cancelled
    for s in (schedule, spare):
        fresh = await wf.store.get_schedule(s.id)
        assert fresh.status is ScheduleStatus.cancelled
        assert fresh.note == "banjir sudah surut"
    assert (await wf.store.dispatch_progress(dispatch.id)).by_status == {"cancelled": 4}
    assert (await wf.store.get_dispatch(dispatch.id)).status is DispatchStatus.cancelled
    assert await wf.store.next_dispatch_to_plan() is None
    with pytest.raises(Conflict, match="cancelled"):
        await start_dispatch(wf.store, record.id, schedule, datetime.now(UTC) + timedelta(1))
    with pytest.raises(Conflict, match="cancelled"):
        await wf.cancel("officer", record.id)


async def test_cancel_stops_a_dispatch_still_planning(wf: Workflow) -> None:
    record, schedule = await scheduled(wf)
    dispatch = await start_dispatch(wf.store, record.id, schedule, datetime.now(UTC))
    assert dispatch is not None
    await wf.cancel("officer", record.id)
    assert (await wf.store.get_dispatch(dispatch.id)).status is DispatchStatus.cancelled
    assert await wf.store.next_dispatch_to_plan() is None


# -- start_dispatch refusals -----------------------------------------------------------------------
async def test_content_tampered_in_the_database_after_approval_is_refused(wf: Workflow) -> None:
    record, schedule = await scheduled(wf)
    tampered = make_content(body="Mohon **segera mengungsi** ke kantor desa.")
    await execute(
        wf.store,
        "UPDATE announcements SET content = ? WHERE id = ?",
        (tampered.model_dump_json(), record.id),
    )
    with pytest.raises(IntegrityError, match="approved"):
        await start_dispatch(wf.store, record.id, schedule, datetime.now(UTC))
    assert await wf.store.list_dispatches(announcement_id=record.id) == []
    entry = (await wf.store.list_audit(1, "announcement", str(record.id)))[0]
    assert entry.action == "dispatch.refused"
    assert entry.actor == "system"


async def test_a_forged_approval_pin_is_refused(wf: Workflow) -> None:
    """Rewriting content, content_hash and approved_hash together still fails: nobody approved
    that hash."""
    record, schedule = await scheduled(wf)
    forged = make_content(body="Transfer dana bantuan ke rekening 123.")
    digest = content_hash(forged)
    await execute(
        wf.store,
        "UPDATE announcements SET content = ?, content_hash = ?, approved_hash = ? WHERE id = ?",
        (forged.model_dump_json(), digest, digest, record.id),
    )
    with pytest.raises(IntegrityError):
        await start_dispatch(wf.store, record.id, schedule, datetime.now(UTC))
    assert await wf.store.list_dispatches(announcement_id=record.id) == []
    actions = [e.action for e in await wf.store.list_audit(5, "announcement", str(record.id))]
    assert actions[0] == "dispatch.refused"


async def test_tampered_content_cannot_be_approved_or_scheduled(wf: Workflow) -> None:
    record = await wf.create("officer", make_content())
    await wf.submit("officer", record.id)
    await execute(
        wf.store,
        "UPDATE announcements SET content = ? WHERE id = ?",
        (make_content(title="Palsu").model_dump_json(), record.id),
    )
    with pytest.raises(IntegrityError):
        await wf.approve("verifier", record.id)
    assert await wf.store.list_approvals(record.id) == []

    other = await approved(wf)
    await execute(
        wf.store,
        "UPDATE announcements SET content = ? WHERE id = ?",
        (make_content(title="Palsu").model_dump_json(), other.id),
    )
    with pytest.raises(IntegrityError):
        await wf.schedule("officer", other.id, ScheduleSpec.now())


async def test_a_workflow_needing_two_approvals_refuses_a_pin_with_one(seeded: Store) -> None:
    wf = Workflow(seeded, approvals_required=2)
    record = await wf.create("officer", make_content())
    await wf.submit("officer", record.id)
    await wf.approve("verifier", record.id)
    # someone flips the status and pins the hash directly, with one approval on record
    await execute(
        seeded,
        "UPDATE announcements SET status = 'scheduled', approved_hash = content_hash WHERE id = ?",
        (record.id,),
    )
    with pytest.raises(IntegrityError, match="2 needed"):
        await wf.start_dispatch(record.id, None, datetime.now(UTC))
    assert await seeded.list_dispatches(announcement_id=record.id) == []


async def test_expired_content_is_neither_scheduled_nor_dispatched(wf: Workflow) -> None:
    expires = datetime.now(UTC) + timedelta(seconds=1)
    first, schedule = await scheduled(wf, make_content(expires_at=expires))
    second = await approved(wf, make_content(title="Kedua", expires_at=expires))
    await asyncio.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 0.05)
    with pytest.raises(Expired, match="expired"):
        await start_dispatch(wf.store, first.id, schedule, datetime.now(UTC))
    with pytest.raises(Expired, match="expired"):
        await wf.schedule("officer", second.id, ScheduleSpec.now())
    assert await wf.store.list_dispatches(announcement_id=first.id) == []


async def test_dispatch_needs_a_scheduled_announcement(wf: Workflow) -> None:
    record = await approved(wf)
    with pytest.raises(Conflict, match="approved"):
        await start_dispatch(wf.store, record.id, None, datetime.now(UTC))
    _, schedule = await scheduled(wf, make_content(title="Lain"))
    with pytest.raises(Conflict, match="belongs to announcement"):
        await start_dispatch(wf.store, record.id, schedule, datetime.now(UTC))


# -- idempotency and concurrency ------------------------------------------------------------------
async def test_the_same_fire_key_twice_creates_one_dispatch(wf: Workflow) -> None:
    record, schedule = await scheduled(wf)
    fire = datetime.now(UTC).replace(microsecond=0)
    first = await start_dispatch(wf.store, record.id, schedule, fire)
    second = await start_dispatch(wf.store, record.id, schedule, fire)
    assert first is not None
    assert second is None
    assert [d.id for d in await wf.store.list_dispatches(announcement_id=record.id)] == [first.id]
    later = await start_dispatch(wf.store, record.id, schedule, fire + timedelta(minutes=1))
    assert later is not None and later.id != first.id


async def test_manual_dispatches_of_two_announcements_at_the_same_instant(wf: Workflow) -> None:
    a, _ = await scheduled(wf, make_content(title="A"))
    b, _ = await scheduled(wf, make_content(title="B"))
    fire = datetime.now(UTC)
    da = await start_dispatch(wf.store, a.id, None, fire)
    db = await start_dispatch(wf.store, b.id, None, fire)
    assert da is not None and db is not None, "one announcement's firing swallowed the other's"
    assert await start_dispatch(wf.store, a.id, None, fire) is None


async def test_two_concurrent_edits_one_conflicts(wf: Workflow) -> None:
    record = await wf.create("officer", make_content())
    one, two = make_content(title="Versi satu"), make_content(title="Versi dua")
    results = await asyncio.gather(
        wf.edit("officer", record.id, one),
        wf.edit("admin", record.id, two),
        return_exceptions=True,
    )
    conflicts = [r for r in results if isinstance(r, Conflict)]
    wins = [r for r in results if isinstance(r, AnnouncementRecord)]
    assert len(conflicts) == 1 and len(wins) == 1, results
    stored = await wf.store.get_announcement(record.id)
    assert stored.content_hash == wins[0].content_hash
    assert stored.version == record.version + 1


async def test_concurrent_approve_and_edit_never_approve_the_edited_content(
    wf: Workflow,
) -> None:
    record = await wf.create("officer", make_content())
    await wf.submit("officer", record.id)
    edited = make_content(title="Diubah")
    results = await asyncio.gather(
        wf.approve("verifier", record.id),
        wf.edit("officer", record.id, edited),
        return_exceptions=True,
    )
    assert any(isinstance(r, Conflict) for r in results), results
    stored = await wf.store.get_announcement(record.id)
    if stored.status is Status.approved:
        assert stored.approved_hash == stored.content_hash == record.content_hash
    else:
        assert stored.status is Status.draft
        assert stored.approved_hash is None
