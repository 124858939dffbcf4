"""Everything under X equals a brute-force walk on random region trees, and it is one indexed
range query.

Hypothesis draws a region tree (provinces down to RTs, with valid nested codes), groups attached
anywhere with random kinds, channels, accounts and statuses, and queries: a subtree (or none), a
level, and filters. The store's answers must equal a walk over the same data in Python.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from broadcaster.regions import rt_code, rw_code
from broadcaster.store.contract import Store
from broadcaster.store.records import AuditRecord, Group, GroupFilter, GroupStatus, NewGroup, Region
from broadcaster.store.sql.directory import count_groups_sql, iter_groups_sql
from broadcaster.store.sqlite import SqliteStore
from broadcaster.store.sqlite.base import SQLITE
from content.model import GROUP_KINDS, Level
from tests.conftest import STORE_KINDS, open_test_store
from tests.seed import seed_regions

CHANNELS = ("telegram", "whatsapp", "email")
ACCOUNTS = ("a1", "a2")
STATUSES = tuple(GroupStatus)
AUDIT = AuditRecord("hypothesis", "test", "test", "")

# -- strategies ----------------------------------------------------------------------------------
# small number ranges on purpose: neighbouring codes (3601 / 3602, RW001 / RW002) are where a
# prefix or range mistake would show
_two = st.lists(st.integers(1, 3), max_size=2, unique=True)


@st.composite
def trees(draw: st.DrawFn) -> list[Region]:
    regions: list[Region] = []
    for p in draw(st.lists(st.integers(11, 13), min_size=1, max_size=2, unique=True)):
        province = f"{p:02d}"
        regions.append(Region(province, Level.province, f"P{province}", None))
        for r in draw(st.lists(st.integers(1, 12), max_size=3, unique=True)):
            regency = f"{province}{r:02d}"
            regions.append(Region(regency, Level.regency, f"K{regency}", province))
            for d in draw(_two):
                district = f"{regency}{d:03d}"
                regions.append(Region(district, Level.district, f"D{district}", regency))
                for v in draw(_two):
                    village = f"{district}{v:03d}"
                    regions.append(Region(village, Level.village, f"V{village}", district))
                    for w in draw(_two):
                        rw = rw_code(village, w)
                        regions.append(Region(rw, Level.rw, f"RW{w}", village))
                        for t in draw(_two):
                            regions.append(Region(rt_code(rw, t), Level.rt, f"RT{t}", rw))
    return regions


def subset(values: tuple[str, ...]) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(values), max_size=2, unique=True).map(tuple)


@dataclass(frozen=True)
class Query:
    region: str | None
    level: Level | None
    where: GroupFilter
    by: str | None
    batch: int


@st.composite
def worlds(draw: st.DrawFn) -> tuple[list[Region], list[NewGroup], list[Query]]:
    regions = draw(trees())
    codes = [r.code for r in regions]
    groups = [
        NewGroup(
            channel=channel,
            account=account,
            address=f"addr{i}",
            region=region,
            kind=kind,
            status=status,
            subscribed_by="h",
        )
        for i, (region, kind, channel, account, status) in enumerate(
            draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(codes),
                        st.sampled_from(GROUP_KINDS),
                        st.sampled_from(CHANNELS),
                        st.sampled_from(ACCOUNTS),
                        st.sampled_from(STATUSES),
                    ),
                    max_size=40,
                )
            )
        )
    ]
    regions_or_none = st.one_of(st.none(), st.sampled_from(codes))
    queries = draw(
        st.lists(
            st.builds(
                Query,
                region=regions_or_none,
                level=st.one_of(st.none(), st.sampled_from(list(Level))),
                where=st.builds(
                    GroupFilter,
                    region=regions_or_none,
                    levels=st.lists(st.sampled_from(list(Level)), max_size=2, unique=True).map(
                        tuple
                    ),
                    kinds=subset(GROUP_KINDS),
                    channels=subset(CHANNELS),
                    statuses=st.lists(st.sampled_from(STATUSES), max_size=2, unique=True).map(
                        tuple
                    ),
                    accounts=subset(ACCOUNTS),
                ),
                by=st.sampled_from([None, "status", "channel", "kind", "level"]),
                batch=st.integers(1, 5),
            ),
            min_size=1,
            max_size=4,
        )
    )
    return regions, groups, queries


# -- brute force ---------------------------------------------------------------------------------
def ancestors(code: str, parents: dict[str, str | None]) -> list[str]:
    """``code`` and every region above it, by walking parent links (not string prefixes)."""
    chain: list[str] = []
    node: str | None = code
    while node is not None:
        chain.append(node)
        node = parents[node]
    return chain


def brute_regions(regions: list[Region], under: str | None, level: Level | None) -> list[Region]:
    parents = {r.code: r.parent for r in regions}
    return sorted(
        (
            r
            for r in regions
            if (under is None or under in ancestors(r.code, parents))
            and (level is None or r.level is level)
        ),
        key=lambda r: r.code,
    )


def brute_groups(regions: list[Region], groups: list[Group], where: GroupFilter) -> list[Group]:
    parents = {r.code: r.parent for r in regions}
    return sorted(
        (
            g
            for g in groups
            if (where.region is None or where.region in ancestors(g.region, parents))
            and (not where.levels or g.region_level in where.levels)
            and (not where.kinds or g.kind in where.kinds)
            and (not where.channels or g.channel in where.channels)
            and (not where.statuses or g.status in where.statuses)
            and (not where.accounts or g.account in where.accounts)
        ),
        key=lambda g: (g.region, g.id),
    )


def brute_count(groups: list[Group], by: str | None) -> dict[str, int]:
    if by is None:
        return {"total": len(groups)}
    keys: dict[str, Callable[[Group], str]] = {
        "status": lambda g: str(g.status),
        "channel": lambda g: g.channel,
        "kind": lambda g: g.kind,
        "level": lambda g: str(g.region_level),
    }
    return dict(Counter(keys[by](g) for g in groups))


# -- the property --------------------------------------------------------------------------------
async def check(
    kind: str, regions: list[Region], new_groups: list[NewGroup], queries: list[Query]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store: Store = await open_test_store(kind, Path(folder))
        try:
            await store.import_regions(regions, AUDIT)
            groups = [await store.add_group(g, AUDIT) for g in new_groups]
            for q in queries:
                got_regions = [r async for r in store.iter_regions(q.region, q.level, q.batch)]
                assert got_regions == brute_regions(regions, q.region, q.level), q
                assert await store.count_regions(q.region, q.level) == len(got_regions), q

                want = brute_groups(regions, groups, q.where)
                got = [g async for g in store.iter_groups(q.where, batch=q.batch)]
                assert got == want, q
                assert await store.count_groups(q.where, q.by) == brute_count(want, q.by), q
        finally:
            await store.close()


@pytest.mark.parametrize("kind", STORE_KINDS)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(world=worlds())
def test_subtree_queries_equal_a_brute_force_walk(
    kind: str, world: tuple[list[Region], list[NewGroup], list[Query]]
) -> None:
    regions, groups, queries = world
    asyncio.run(check(kind, regions, groups, queries))


# -- one indexed range query ---------------------------------------------------------------------
PLANNED_FILTERS = [
    GroupFilter(region="36"),
    GroupFilter(region="3671010001.RW001"),
    GroupFilter(region="36", channels=("telegram",)),
    GroupFilter(region="36", channels=("telegram", "email"), accounts=("tg",)),
    GroupFilter(region="3671", statuses=(GroupStatus.active,), kinds=("rt",)),
    GroupFilter(region="3671", levels=(Level.rt,)),
    GroupFilter(
        region="36",
        levels=(Level.rt,),
        kinds=("rt",),
        channels=("telegram",),
        statuses=(GroupStatus.active,),
        accounts=("tg",),
    ),
]


async def query_plan(store: SqliteStore, sql: str, params: list[object]) -> list[str]:
    return [str(row[3]) for row in await store._fetch(f"EXPLAIN QUERY PLAN {sql}", params)]


async def test_a_subtree_is_one_range_search_of_the_region_index(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "plan.db") as store:
        await seed_regions(store)
        # some rows, and statistics, so the planner has something to choose between
        for i in range(300):
            await store.add_group(
                NewGroup(
                    CHANNELS[i % 3],
                    "tg" if i % 2 else "wa",
                    f"-{i}",
                    "3671010001.RW001.RT001" if i % 4 else "3673010001",
                    "rt",
                    status=GroupStatus.active,
                ),
                AUDIT,
            )
        await store._fetch("ANALYZE")
        for where in PLANNED_FILTERS:
            for after in (("", 0), ("3671010001.RW001.RT001", 150)):
                plan = await query_plan(store, *iter_groups_sql(SQLITE, where, after, 100))
                assert len(plan) == 1, (where, plan)  # no temp B-tree: pages stream in order
                assert plan[0].startswith("SEARCH groups USING INDEX ix_groups_region (region>?")
                assert "AND region<?)" in plan[0], (where, plan)
            for by in (None, "status", "channel"):
                plan = await query_plan(store, *count_groups_sql(SQLITE, where, by))
                assert plan[0].startswith("SEARCH groups USING")
                assert "INDEX ix_groups_region (region>? AND region<?)" in plan[0], (where, by)
