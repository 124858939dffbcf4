"""CAP alerts become draft announcements: content, priority, target from areas (notes for what
is not resolved), the same alert twice, Update, Cancel with a notice to the groups reached, and
one verifier approving a CAP draft."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from broadcaster.announcements import Workflow
from broadcaster.cap.drafting import PRIORITY_TABLE, priority_of
from broadcaster.cap.intake import Intake, Source
from broadcaster.cap.intake import Outcome as Outcome_
from broadcaster.cap.settings import CapPolicy
from broadcaster.errors import CapInvalid, Conflict, PermissionDenied
from broadcaster.store.contract import Store
from broadcaster.store.records import (
    AuditRecord,
    DeliveryStatus,
    GroupStatus,
    NewGroup,
    Outcome,
)
from content.model import Priority
from content.workflow import Status
from schedules.spec import ScheduleSpec
from tests.cap.conftest import BMKG, cap_bytes


async def test_a_nowcast_becomes_a_draft_by_the_system(intake: Intake, cap_store: Store) -> None:
    before = datetime.now(UTC).timestamp()
    out = await intake.receive(cap_bytes("bmkg_nowcast.xml"), BMKG)
    assert out.outcome == "drafted" and out.announcement_id is not None
    record = await cap_store.get_announcement(out.announcement_id)
    assert record.status is Status.draft
    assert record.author == "system:cap:bmkg"
    content = record.content
    assert content.variants["id"].title.startswith("Peringatan Dini Cuaca Banten")
    assert "Pada pukul 14:10 WIB" in content.variants["id"].body
    assert "Waspadai banjir" in content.variants["id"].body  # the instruction follows
    assert content.variants["en"].title.startswith("Banten weather warning")
    assert content.source == "BMKG Stasiun Meteorologi Serang"
    assert content.priority is Priority.emergency  # Immediate x Severe
    assert content.expires_at is not None and content.expires_at.timestamp() > before
    # kecamatan names with their city resolve exactly; the dotted geocode is Gelam's code
    assert sorted(content.target.regions) == ["3673010", "3673030", "3673030001", "3673050"]
    alert = await cap_store.cap_alert_for_announcement(record.id)
    assert alert is not None and alert.identifier == "CBT20261206001"
    assert alert.feed == "bmkg" and alert.msg_type == "Alert"
    assert alert.drafted_at is not None and before <= alert.received_at <= alert.drafted_at
    assert "<identifier>CBT20261206001</identifier>" in alert.xml  # the source for the verifier
    assert alert.notes == ()


async def test_unknown_and_ambiguous_names_are_listed_on_the_draft(
    intake: Intake, cap_store: Store
) -> None:
    out = await intake.receive(cap_bytes("bmkg_nowcast_ambiguous.xml"), BMKG)
    assert out.announcement_id is not None
    record = await cap_store.get_announcement(out.announcement_id)
    # only the one name that is unambiguous is targeted
    assert record.content.target.regions == ["3673060"]  # Kasemen
    notes = "\n".join(out.notes)
    assert "Curug (several regions: 3603050 CURUG, 3673010 CURUG)" in notes
    assert "Kampung Antah Berantah (no region with this name)" in notes
    assert "geocode KODE_WILAYAH 36.73.03.1001 is not one of our region codes" in notes
    stored = await cap_store.cap_alert_for_announcement(record.id)
    assert stored is not None and stored.notes == out.notes
    assert record.content.priority is Priority.urgent  # Expected x Moderate


async def test_nothing_resolved_falls_back_to_the_feeds_default_target(
    intake: Intake, cap_store: Store
) -> None:
    data = cap_bytes("bmkg_nowcast_ambiguous.xml").replace(b"Kasemen", b"Nowhere Town")
    out = await intake.receive(data, BMKG)
    assert out.announcement_id is not None
    record = await cap_store.get_announcement(out.announcement_id)
    assert record.content.target.regions == ["36"]
    assert any("default target 36 is used" in n for n in out.notes)


async def test_the_same_identifier_again_adds_nothing(intake: Intake, cap_store: Store) -> None:
    first = await intake.receive(cap_bytes("bmkg_earthquake.xml"), BMKG)
    again = await intake.receive(cap_bytes("bmkg_earthquake.xml"), BMKG)
    assert first.outcome == "drafted" and again.outcome == "duplicate"
    assert again.announcement_id is None
    assert len(await cap_store.list_announcements()) == 1
    assert len(await cap_store.list_cap_alerts()) == 1
    quake = await cap_store.get_announcement(first.announcement_id or 0)
    assert quake.content.target.regions == ["3602"]  # geocode 36.02: Kabupaten Lebak
    assert quake.content.priority is Priority.emergency


def test_the_priority_table() -> None:
    assert priority_of("Immediate", "Extreme") is Priority.emergency
    assert priority_of("Expected", "Severe") is Priority.emergency
    assert priority_of("Immediate", "Moderate") is Priority.urgent
    assert priority_of("Future", "Severe") is Priority.urgent
    assert priority_of("Future", "Moderate") is Priority.normal
    assert priority_of("Past", "Extreme") is Priority.normal
    assert priority_of("Unknown", "Unknown") is Priority.normal
    assert set(PRIORITY_TABLE.values()) == {Priority.emergency, Priority.urgent}


async def test_the_policy_decides_what_is_drafted(intake: Intake, cap_store: Store) -> None:
    exercise = cap_bytes("bmkg_earthquake.xml").replace(b"Actual", b"Exercise")
    out = await intake.receive(exercise, BMKG)
    assert out.outcome.startswith("ignored: status Exercise") and out.announcement_id is None
    strict = Source(feed="bmkg", actor=BMKG.actor, policy=CapPolicy(min_severity="Severe"))
    moderate = await intake.receive(cap_bytes("bmkg_nowcast_ambiguous.xml"), strict)
    assert moderate.outcome == "ignored: severity Moderate is below Severe"
    assert await cap_store.list_announcements() == []
    # recorded all the same: the same alert again is a duplicate, not a second decision
    again = await intake.receive(cap_bytes("bmkg_nowcast_ambiguous.xml"), BMKG)
    assert again.outcome == "duplicate"
    drills = Source(feed="bmkg", actor=BMKG.actor, policy=CapPolicy(statuses=["Exercise"]))
    drill = await intake.receive(exercise.replace(b"GEMPA2026", b"LATIHAN2026"), drills)
    assert drill.outcome == "drafted"


async def test_invalid_cap_records_nothing(intake: Intake, cap_store: Store) -> None:
    with pytest.raises(CapInvalid):
        await intake.receive(cap_bytes("malformed_enum.xml"), BMKG)
    assert await cap_store.list_cap_alerts() == []


async def test_one_verifier_approves_a_cap_draft(
    intake: Intake, cap_store: Store, workflow: Workflow
) -> None:
    out = await intake.receive(cap_bytes("bmkg_nowcast.xml"), BMKG)
    assert out.announcement_id is not None
    await workflow.submit("officer", out.announcement_id)
    approved = await workflow.approve("verifier", out.announcement_id)
    assert approved.status is Status.approved  # approvals_required = 1: one verifier suffices
    two = Workflow(cap_store, approvals_required=2)
    second = await intake.receive(cap_bytes("bmkg_earthquake.xml"), BMKG)
    assert second.announcement_id is not None
    await two.submit("officer", second.announcement_id)
    assert (await two.approve("verifier", second.announcement_id)).status is Status.submitted
    assert (await two.approve("verifier2", second.announcement_id)).status is Status.approved


async def test_an_importing_user_is_the_author_and_cannot_approve(
    intake: Intake, workflow: Workflow
) -> None:
    source = Source(feed="import", actor="admin", default_target=("36",))
    out = await intake.receive(cap_bytes("bmkg_earthquake.xml"), source)
    assert out.announcement_id is not None
    await workflow.submit("admin", out.announcement_id)
    with pytest.raises(PermissionDenied, match="author"):  # admin may verify, but not this
        await workflow.approve("admin", out.announcement_id)
    await workflow.approve("verifier", out.announcement_id)


async def test_an_update_replaces_the_draft_and_voids_its_approval(
    intake: Intake, cap_store: Store, workflow: Workflow
) -> None:
    first = await intake.receive(cap_bytes("bmkg_nowcast.xml"), BMKG)
    ann = first.announcement_id
    assert ann is not None
    await workflow.submit("officer", ann)
    approved = await workflow.approve("verifier", ann)
    assert approved.approved_hash is not None
    out = await intake.receive(cap_bytes("bmkg_nowcast_update.xml"), BMKG)
    assert out.outcome == "updated" and out.announcement_id == ann
    record = await cap_store.get_announcement(ann)
    assert record.status is Status.draft and record.approved_hash is None  # approval voided
    assert record.content.variants["id"].title.startswith("Pembaruan")
    assert "3673060" in record.content.target.regions  # Kasemen added
    assert record.content_hash != approved.content_hash
    alerts = await cap_store.cap_alerts_for_announcement(ann)
    assert [a.msg_type for a in alerts] == ["Alert", "Update"]
    first_alert = await cap_store.cap_alert_for_announcement(ann)
    assert first_alert is not None and first_alert.msg_type == "Alert"
    with pytest.raises(Conflict):  # the old approval does not count for the new content
        await workflow.schedule("officer", ann, ScheduleSpec.now("Asia/Jakarta"))


async def test_cancel_of_a_draft_cancels_it_without_a_notice(
    intake: Intake, cap_store: Store
) -> None:
    first = await intake.receive(cap_bytes("bmkg_nowcast.xml"), BMKG)
    out = await intake.receive(cap_bytes("bmkg_nowcast_cancel.xml"), BMKG)
    assert out.outcome == "cancelled" and out.announcement_id == first.announcement_id
    assert out.notice_id is None  # nobody was reached
    record = await cap_store.get_announcement(first.announcement_id or 0)
    assert record.status is Status.cancelled
    assert len(await cap_store.list_announcements()) == 1


async def test_a_cancel_of_something_unknown_is_recorded_and_ignored(intake: Intake) -> None:
    out = await intake.receive(cap_bytes("bmkg_nowcast_cancel.xml"), BMKG)
    assert out.outcome == "ignored: nothing of ours to cancel"


def _groups(region: str, n: int) -> list[NewGroup]:
    return [
        NewGroup(
            channel="scripted",
            account="scripted",
            address=f"{region}-{i}",
            region=region,
            kind="rt",
            title=f"RT {i}",
            status=GroupStatus.active,
            subscribed_by="officer",
        )
        for i in range(n)
    ]


async def test_cancel_of_a_running_dispatch_drafts_a_notice_for_the_groups_reached(
    intake: Intake, cap_store: Store, workflow: Workflow
) -> None:
    audit = AuditRecord(actor="test", action="group.add", object_type="group", object_id="")
    for g in _groups("3673030001", 3) + _groups("3673050001", 2) + _groups("3673060001", 2):
        await cap_store.add_group(g, audit)
    first = await intake.receive(cap_bytes("bmkg_nowcast.xml"), BMKG)
    ann = first.announcement_id or 0
    await workflow.submit("officer", ann)
    await workflow.approve("verifier", ann)
    await workflow.schedule("officer", ann, ScheduleSpec.now("Asia/Jakarta"))
    dispatch = await workflow.start_dispatch(ann, None, datetime.now(UTC))
    assert dispatch is not None
    while await cap_store.plan_batch(dispatch.id, 100):
        pass
    # the sender reached 2 groups before the warning was withdrawn
    claimed = await cap_store.claim_deliveries("scripted", 2, datetime.now(UTC).timestamp())
    await cap_store.record_outcomes(
        [Outcome(id=c.id, status=DeliveryStatus.sent, attempts=1, parts_done=1) for c in claimed]
    )
    reached = {c.group_id for c in claimed}
    out = await intake.receive(cap_bytes("bmkg_nowcast_cancel.xml"), BMKG)
    assert out.outcome == "cancelled" and out.notice_id is not None
    assert (await cap_store.get_announcement(ann)).status is Status.cancelled
    progress = await cap_store.dispatch_progress(dispatch.id)
    assert progress.by_status.get("queued", 0) == 0  # the rest was cancelled, not sent
    notice = await cap_store.get_announcement(out.notice_id)
    assert notice.status is Status.draft and notice.author == "system:cap:bmkg"
    assert notice.content.variants["id"].title.startswith("DIBATALKAN: ")
    assert notice.content.target.reached_by == [dispatch.id]
    # approved and dispatched, the notice reaches exactly the groups reached before
    await workflow.submit("officer", notice.id)
    await workflow.approve("verifier", notice.id)
    await workflow.schedule("officer", notice.id, ScheduleSpec.now("Asia/Jakarta"))
    second = await workflow.start_dispatch(notice.id, None, datetime.now(UTC))
    assert second is not None
    while await cap_store.plan_batch(second.id, 100):
        pass
    planned = await cap_store.claim_deliveries(
        "scripted", 100, (datetime.now(UTC) + timedelta(seconds=5)).timestamp()
    )
    assert {c.group_id for c in planned} == reached


async def test_the_on_draft_hook_hears_of_drafts_and_its_failure_undoes_nothing(
    cap_store: Store, workflow: Workflow
) -> None:
    heard: list[tuple[str, int | None]] = []

    async def hook(out: Outcome_) -> None:
        heard.append((out.outcome, out.announcement_id))
        if out.outcome == "updated":
            raise RuntimeError("on-call channel down")

    intake = Intake(cap_store, workflow, on_draft=hook)
    first = await intake.receive(cap_bytes("bmkg_nowcast.xml"), BMKG)
    await intake.receive(cap_bytes("bmkg_nowcast.xml"), BMKG)  # duplicate: not told
    update = await intake.receive(cap_bytes("bmkg_nowcast_update.xml"), BMKG)
    assert update.outcome == "updated"  # the hook's failure is logged, not raised
    assert heard == [("drafted", first.announcement_id), ("updated", first.announcement_id)]


async def test_a_cancel_without_info_still_cancels(intake: Intake, cap_store: Store) -> None:
    first = await intake.receive(cap_bytes("bmkg_nowcast.xml"), BMKG)
    data = cap_bytes("bmkg_nowcast_cancel.xml")
    bare = data[: data.index(b"<info>")] + data[data.index(b"</info>") + len(b"</info>") :]
    assert b"<info>" not in bare
    out = await intake.receive(bare, BMKG)
    assert out.outcome == "cancelled"
    assert (await cap_store.get_announcement(first.announcement_id or 0)).status is Status.cancelled


async def test_an_update_of_an_unknown_alert_is_judged_as_a_new_one(
    intake: Intake, cap_store: Store
) -> None:
    strict = Source(feed="bmkg", actor=BMKG.actor, policy=CapPolicy(min_severity="Extreme"))
    out = await intake.receive(cap_bytes("bmkg_nowcast_update.xml"), strict)
    assert out.outcome == "ignored: severity Severe is below Extreme"
    # an update of a drafted alert applies whatever its severity
    first = await intake.receive(cap_bytes("bmkg_earthquake.xml"), strict)
    assert first.outcome == "drafted"
    update = (
        cap_bytes("bmkg_nowcast_update.xml")
        .replace(b"CBT20261206001U1", b"GEMPA-U1")
        .replace(
            b"peringatan.dini@bmkg.go.id,CBT20261206001", b"inatews@bmkg.go.id,GEMPA20261206093012"
        )
    )
    applied = await intake.receive(update, strict)
    assert applied.outcome == "updated" and applied.announcement_id == first.announcement_id


async def test_a_person_outside_the_region_cannot_import_and_nothing_is_recorded(
    cap_store: Store, workflow: Workflow
) -> None:
    audit = AuditRecord(actor="test", action="user.add", object_type="user", object_id="x")
    from broadcaster.store.records import Role

    await cap_store.add_user("lebak_officer", Role.officer, "3602", audit)
    intake = Intake(cap_store, workflow)
    serang = Source(feed="import", actor="lebak_officer", default_target=("3602",))
    with pytest.raises(PermissionDenied, match="outside"):
        await intake.receive(cap_bytes("bmkg_nowcast.xml"), serang)  # Kota Serang's warning
    assert await cap_store.list_cap_alerts() == []
    # the feed still drafts it afterwards: the refused import did not make it a duplicate
    assert (await intake.receive(cap_bytes("bmkg_nowcast.xml"), BMKG)).outcome == "drafted"
    with pytest.raises(PermissionDenied):  # nor may they cancel it
        await intake.receive(cap_bytes("bmkg_nowcast_cancel.xml"), serang)
    assert (await intake.receive(cap_bytes("bmkg_nowcast_cancel.xml"), BMKG)).outcome == (
        "cancelled"
    )
