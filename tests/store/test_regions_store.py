"""Regions in the store: import (added / updated / unchanged, never deletes), lookups, streaming."""

from __future__ import annotations

import pytest

from broadcaster.errors import InputError
from broadcaster.store.contract import Store
from broadcaster.store.records import Region
from content.model import Level
from tests.seed import BANTEN, JAKARTA, seed_regions
from tests.store.support import TAJUR, add_groups, audit_len, collect, group, rec


async def test_import_counts_added_then_unchanged(store: Store) -> None:
    stats = await store.import_regions(BANTEN, rec("regions.import", "regions", "t"))
    assert (stats.added, stats.updated, stats.unchanged) == (len(BANTEN), 0, 0)
    again = await store.import_regions(BANTEN, rec("regions.import", "regions", "t"))
    assert (again.added, again.updated, again.unchanged) == (0, 0, len(BANTEN))
    assert await store.count_regions() == len(BANTEN)


async def test_import_renames_adds_and_never_deletes(store: Store) -> None:
    await store.import_regions(BANTEN, rec())
    renamed = Region(code="3673", level=Level.regency, name="KOTA SERANG (BARU)", parent="36")
    stats = await store.import_regions([BANTEN[0], renamed, JAKARTA], rec())
    assert (stats.added, stats.updated, stats.unchanged) == (1, 1, 1)
    found = await store.get_regions(["3673", "31", "3602010001"])
    assert found["3673"] == renamed
    assert found["31"] == JAKARTA
    assert found["3602010001"].name == "MALINGPING SELATAN"  # absent from the batch, kept
    assert await store.count_regions() == len(BANTEN) + 1


async def test_import_writes_children_given_before_their_parents(store: Store) -> None:
    await store.import_regions(list(reversed(BANTEN)), rec())
    assert await store.count_regions() == len(BANTEN)


async def test_import_records_its_stats_in_the_audit_entry(store: Store) -> None:
    await store.import_regions(BANTEN, rec("regions.import", "regions", "files"))
    [entry] = await store.list_audit(1)
    assert (entry.action, entry.object_type, entry.object_id) == (
        "regions.import",
        "regions",
        "files",
    )
    assert '"added":11' in entry.detail and '"why":"test"' in entry.detail


async def test_get_regions_returns_only_stored_codes(store: Store) -> None:
    await store.import_regions(BANTEN, rec())
    found = await store.get_regions(["36", "3671", "99", "3671010001"])
    assert set(found) == {"36", "3671", "3671010001"}
    assert found["3671010001"] == Region(
        code="3671010001", level=Level.village, name="TAJUR", parent="3671010"
    )
    assert await store.get_regions([]) == {}


async def test_get_regions_handles_more_codes_than_one_query_takes(store: Store) -> None:
    await seed_regions(store, rw=20, rt=30)  # 4 villages x 20 RW x 30 RT = 2,400 RTs
    codes = [r.code async for r in store.iter_regions(level=Level.rt)]
    assert len(codes) == 2400
    assert set(await store.get_regions(codes)) == set(codes)


@pytest.mark.parametrize("batch", [1, 2, 3, 1000])
async def test_iter_regions_streams_everything_in_code_order(store: Store, batch: int) -> None:
    regions = await seed_regions(store)
    got = await collect(store.iter_regions(batch=batch))
    assert got == sorted(regions, key=lambda r: r.code)


@pytest.mark.parametrize("batch", [2, 3])
async def test_iter_regions_under_a_node_and_at_a_level(store: Store, batch: int) -> None:
    regions = await seed_regions(store)

    def expect(under: str, level: Level | None) -> list[str]:
        return sorted(
            r.code
            for r in regions
            if r.code.startswith(under) and (level is None or r.level is level)
        )

    for under, level in [
        ("36", None),
        ("36", Level.village),
        ("3671", Level.rt),
        (TAJUR, None),
        ("3671010001.RW002", None),
        ("3671010001.RW002.RT003", None),
        ("31", None),
        ("31", Level.village),
    ]:
        got = [r.code for r in await collect(store.iter_regions(under, level, batch=batch))]
        assert got == expect(under, level), (under, level)
        assert await store.count_regions(under, level) == len(got)
    assert await store.count_regions(level=Level.province) == 2
    assert await store.count_regions() == len(regions)


async def test_iter_regions_does_not_confuse_a_prefix_with_a_subtree(store: Store) -> None:
    # 3671010001 and 3671010002 share the prefix 367101000; 36 and 3602 share "36"
    await seed_regions(store)
    tajur = [r.code for r in await collect(store.iter_regions(TAJUR))]
    assert tajur[0] == TAJUR and all(c.startswith(TAJUR) for c in tajur)
    assert "3671010002" not in tajur
    assert len(tajur) == 1 + 2 + 2 * 3


async def test_iter_regions_rejects_a_malformed_subtree(store: Store) -> None:
    await seed_regions(store)
    with pytest.raises(InputError, match="malformed"):
        await collect(store.iter_regions("3"))
    with pytest.raises(InputError, match="malformed"):
        await store.count_regions("")


async def test_regions_with_groups_survive_a_smaller_import(store: Store) -> None:
    await seed_regions(store)
    [g] = await add_groups(store, [group("3671010001.RW001.RT001", "-1")])
    before = await audit_len(store)
    stats = await store.import_regions(BANTEN[:1], rec())
    assert (stats.added, stats.updated, stats.unchanged) == (0, 0, 1)
    assert (await store.get_group(g.id)).region == "3671010001.RW001.RT001"
    assert "3671010001.RW001.RT001" in await store.get_regions(["3671010001.RW001.RT001"])
    assert await audit_len(store) == before + 1
