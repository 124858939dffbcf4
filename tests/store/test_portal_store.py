"""The public portal's listing: only announcements that went out, by region and search."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from broadcaster.store.contract import Store
from broadcaster.store.records import AnnouncementRecord, DeliveryStatus, Outcome
from content.hashing import content_hash
from content.workflow import Status
from tests.seed import seed_regions
from tests.store.support import (
    TAJUR_RT1,
    add_groups,
    announcement,
    group,
    new_dispatch,
    plan_all,
    rec,
)

NOW = time.time()


async def publish(
    store: Store, regions: list[str], status: Status = Status.done, **overrides: Any
) -> AnnouncementRecord:
    """An announcement targeting ``regions``, moved straight to ``status``."""
    title = overrides.pop("title", f"Pengumuman {'+'.join(regions)}")
    content = announcement(
        target={"regions": regions},
        variants={"id": {"title": title, "body": overrides.pop("body", "Isi pengumuman.")}},
        **overrides,
    )
    record = await store.create_announcement(
        "officer", content, content_hash(content), rec("announcement.create", "announcement")
    )
    if status is not Status.draft:
        record = await store.save_announcement(
            record.id, record.version, rec("announcement.status", "announcement"), status=status
        )
    return record


def codes(items: list[Any]) -> list[str]:
    return [i.announcement.short_code for i in items]


async def test_only_dispatching_and_done_are_listed(store: Store) -> None:
    await seed_regions(store)
    shown = [await publish(store, ["3671"], s) for s in (Status.dispatching, Status.done)]
    for hidden in (
        Status.draft,
        Status.submitted,
        Status.approved,
        Status.rejected,
        Status.scheduled,
        Status.cancelled,
    ):
        await publish(store, ["3671"], hidden)
    listed = await store.portal_items(now=NOW)
    assert codes(listed) == [r.short_code for r in reversed(shown)]
    # back to a draft (an edit voids the approval): it leaves the portal
    record = shown[0]
    current = await store.get_announcement(record.id)
    await store.save_announcement(
        record.id, current.version, rec("announcement.edit", "announcement"), status=Status.draft
    )
    assert codes(await store.portal_items(now=NOW)) == [shown[1].short_code]


async def test_expired_and_unsent_is_left_out(store: Store) -> None:
    await seed_regions(store)
    past = datetime.now(UTC) - timedelta(hours=1)
    future = datetime.now(UTC) + timedelta(days=1)
    expired = await publish(store, ["3671"], expires_at=past)
    valid = await publish(store, ["3671"], expires_at=future)
    assert codes(await store.portal_items(now=NOW)) == [valid.short_code]
    # before its expiry it was listed
    earlier = past.timestamp() - 60
    assert expired.short_code in codes(await store.portal_items(now=earlier))


async def test_expired_after_something_was_sent_stays_listed(store: Store) -> None:
    """What residents received stays public after its expiry; what reached nobody does not."""
    await seed_regions(store)
    await add_groups(store, [group(TAJUR_RT1, "t1")])
    past = datetime.now(UTC) - timedelta(hours=1)
    reached = await publish(store, ["3671"], Status.dispatching, expires_at=past)
    nobody = await publish(store, ["3671"], Status.dispatching, expires_at=past)
    for record in (reached, nobody):
        d = await new_dispatch(store, {"regions": ["36"]}, announcement_id=record.id)
        await plan_all(store, d.id, 100)
    due = await store.claim_deliveries("tg", 10, time.time() + 1)
    [claimed] = [c for c in due if c.announcement_id == reached.id]
    await store.record_outcomes(
        [Outcome(id=claimed.id, status=DeliveryStatus.sent, attempts=1, parts_done=1)]
    )
    assert codes(await store.portal_items(now=time.time())) == [reached.short_code]


async def test_region_covers_ancestors_itself_and_parts(store: Store) -> None:
    await seed_regions(store)
    province = await publish(store, ["36"])
    regency = await publish(store, ["3671"])
    village = await publish(store, ["3671010001"])
    rt = await publish(store, ["3671010002.RW001.RT002"])
    other = await publish(store, ["3673"])
    both = await publish(store, ["3673", "3671010"])

    def newest_first(*records: AnnouncementRecord) -> list[str]:
        return [r.short_code for r in sorted(records, key=lambda r: -r.id)]

    assert codes(await store.portal_items(now=NOW, region="3671")) == newest_first(
        province, regency, village, rt, both
    )
    assert codes(await store.portal_items(now=NOW, region="3671010001")) == newest_first(
        province, regency, village, both
    )
    assert codes(await store.portal_items(now=NOW, region="3673")) == newest_first(
        province, other, both
    )
    assert codes(await store.portal_items(now=NOW, region="36")) == newest_first(
        province, regency, village, rt, other, both
    )
    assert codes(await store.portal_items(now=NOW, region="3602")) == [province.short_code]
    # paging: no announcement twice, none lost
    pages = [
        codes(await store.portal_items(now=NOW, region="36", limit=2, offset=o)) for o in (0, 2, 4)
    ]
    assert [c for page in pages for c in page] == newest_first(
        province, regency, village, rt, other, both
    )


async def test_search_is_case_insensitive_and_escapes_wildcards(store: Store) -> None:
    await seed_regions(store)
    flood = await publish(store, ["3671"], title="Peringatan BANJIR", source="BPBD")
    await publish(
        store, ["3673"], title="Vaksinasi polio", body="Imunisasi 100% gratis", source="Dinkes"
    )
    assert codes(await store.portal_items(now=NOW, query="banjir")) == [flood.short_code]
    assert codes(await store.portal_items(now=NOW, query="bpbd")) == [flood.short_code]
    assert len(await store.portal_items(now=NOW, query="100%")) == 1
    assert len(await store.portal_items(now=NOW, query="%")) == 1  # a literal %, not "anything"
    assert await store.portal_items(now=NOW, query="_") == []
    assert codes(await store.portal_items(now=NOW, query="banjir", region="3673")) == []


async def test_children_are_the_next_level(store: Store) -> None:
    await seed_regions(store)
    assert [r.code for r in await store.portal_children(None)] == ["31", "36"]
    assert [r.code for r in await store.portal_children("36")] == ["3602", "3671", "3673"]
    assert [r.code for r in await store.portal_children("3671010")] == [
        "3671010001",
        "3671010002",
    ]
    assert await store.portal_children("3671010001.RW001.RT001") == []
