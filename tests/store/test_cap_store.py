"""The CAP part of the store contract, on both engines: alerts by (sender, identifier), what
each became, the feed state kept across a restart, the items of an index seen."""

from __future__ import annotations

import time

import pytest

from broadcaster.errors import Conflict, NotFound
from broadcaster.store.contract import CapFeedState, NewCapAlert, Store
from broadcaster.store.records import DeliveryStatus, Outcome
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

PARUNG = "3671010002"
SERANG = "3673010001"


def _alert(identifier: str, msg_type: str = "Alert", received_at: float = 1000.0) -> NewCapAlert:
    return NewCapAlert(
        sender="peringatan.dini@bmkg.go.id",
        identifier=identifier,
        sent="2026-12-06T14:10:00+07:00",
        msg_type=msg_type,
        status="Actual",
        feed="bmkg",
        received_at=received_at,
        outcome="received",
        xml_sha256="ab" * 32,
        xml="<alert>Curug, Kasemen — ünïcode</alert>",
    )


async def test_an_alert_is_recorded_once_and_linked_to_its_draft(seeded: Store) -> None:
    before = await audit_len(seeded)
    first = await seeded.add_cap_alert(_alert("A1"), rec("cap.receive", "cap_alert"))
    assert first.id > 0 and first.announcement_id is None and first.drafted_at is None
    assert await audit_len(seeded) == before + 1
    with pytest.raises(Conflict):
        await seeded.add_cap_alert(_alert("A1"), rec("cap.receive", "cap_alert"))
    assert await audit_len(seeded) == before + 1  # the refused one wrote nothing
    ann = await new_announcement(seeded)
    linked = await seeded.link_cap_alert(first.id, ann.id, "drafted", ["Curug: several"], 1002.5)
    assert (linked.announcement_id, linked.outcome, linked.drafted_at) == (
        ann.id,
        "drafted",
        1002.5,
    )
    assert linked.notes == ("Curug: several",)
    found = await seeded.find_cap_alert("peringatan.dini@bmkg.go.id", "A1")
    assert found == linked
    assert found.xml == "<alert>Curug, Kasemen — ünïcode</alert>"
    assert await seeded.find_cap_alert("someone-else", "A1") is None
    update = await seeded.add_cap_alert(_alert("A1U", "Update", 2000.0), rec())
    await seeded.link_cap_alert(update.id, ann.id, "updated", [], 2001.0)
    assert [a.identifier for a in await seeded.cap_alerts_for_announcement(ann.id)] == [
        "A1",
        "A1U",
    ]
    drafting = await seeded.cap_alert_for_announcement(ann.id)
    assert drafting is not None and drafting.identifier == "A1"  # the one that drafted it
    assert await seeded.cap_alert_for_announcement(ann.id + 1000) is None
    assert [a.identifier for a in await seeded.list_cap_alerts(limit=1)] == ["A1U"]
    with pytest.raises(NotFound):
        await seeded.link_cap_alert(first.id + 1000, None, "x", [], None)


async def test_feed_state_and_seen_items_survive_a_restart(store: Store, reopen: Reopen) -> None:
    fresh = await store.cap_feed_state("bmkg")
    assert fresh == CapFeedState(name="bmkg")  # never polled: due now, nothing known
    now = time.time()
    state = CapFeedState(
        name="bmkg",
        etag='W/"abc"',
        last_modified="Sun, 06 Dec 2026 07:10:00 GMT",
        failures=3,
        next_poll=now + 240,
        last_error="HTTP 500",
        last_ok=now - 600,
        last_checked=now,
    )
    await store.save_cap_feed_state(state)
    await store.mark_cap_items_seen("bmkg", ["http://x/1.xml", "http://x/2.xml"], now)
    await store.mark_cap_items_seen("bmkg", ["http://x/2.xml"], now)  # idempotent
    again = await reopen()
    assert await again.cap_feed_state("bmkg") == state
    assert await again.cap_feed_state("other") == CapFeedState(name="other")
    seen = await again.cap_items_seen(
        "bmkg", ["http://x/1.xml", "http://x/3.xml", "http://x/2.xml"]
    )
    assert seen == {"http://x/1.xml", "http://x/2.xml"}
    assert await again.cap_items_seen("other", ["http://x/1.xml"]) == set()
    await again.save_cap_feed_state(CapFeedState(name="bmkg", etag='"v2"'))
    assert (await again.cap_feed_state("bmkg")).failures == 0


async def test_a_target_reached_by_plans_only_the_groups_those_dispatches_reached(
    seeded: Store,
) -> None:
    """The cancellation notice of a CAP Cancel: exactly the groups reached before (on both
    engines' planners), within the regions and filters, whatever batch size."""
    added = await add_groups(
        seeded,
        [group(code, f"g{i}-{code}") for i, code in enumerate([TAJUR, PARUNG, SERANG] * 3)],
    )
    first = await new_dispatch(seeded, {"regions": ["36"]})
    await plan_all(seeded, first.id, 4)
    claimed = await seeded.claim_deliveries("tg", 1000, time.time() + 5)
    assert len(claimed) == len(added)
    sent = claimed[::2]  # every other one reached; the rest failed or were cancelled
    await seeded.record_outcomes(
        [Outcome(id=c.id, status=DeliveryStatus.sent, attempts=1, parts_done=1) for c in sent]
        + [
            Outcome(id=c.id, status=DeliveryStatus.failed, attempts=1, parts_done=0, error="x")
            for c in claimed[1::2]
        ]
    )
    reached = sorted(c.group_id for c in sent)
    for batch in (1, 3, 100):
        notice = await new_dispatch(seeded, {"regions": ["36"], "reached_by": [first.id]})
        await plan_all(seeded, notice.id, batch)
        assert await planned_groups(seeded, notice.id, ["tg"]) == reached
    narrowed = await new_dispatch(seeded, {"regions": ["3671"], "reached_by": [first.id]})
    await plan_all(seeded, narrowed.id, 2)
    in_tangerang = {g.id for g in added if g.region.startswith("3671")}
    assert await planned_groups(seeded, narrowed.id, ["tg"]) == [
        g for g in reached if g in in_tangerang
    ]
    nobody = await new_dispatch(seeded, {"regions": ["36"], "reached_by": [first.id + 999]})
    await plan_all(seeded, nobody.id, 5)
    assert await planned_groups(seeded, nobody.id, ["tg"]) == []
