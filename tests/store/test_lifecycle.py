"""Opening, closing and reopening a store; migrations; SQLite connection settings."""

from __future__ import annotations

from pathlib import Path

from broadcaster.audit import verify_chain
from broadcaster.store.contract import Store
from broadcaster.store.records import GroupFilter, Role
from broadcaster.store.sqlite import SqliteStore
from broadcaster.store.sqlite.base import _migrations
from tests.seed import BANTEN, seed_regions, seed_users
from tests.store.conftest import Reopen
from tests.store.support import TAJUR_RT1, add_groups, audit_len, group, new_announcement, rec


async def test_a_fresh_store_is_migrated_and_empty(store: Store) -> None:
    assert await store.schema_version() >= 1
    assert await store.count_regions() == 0
    assert await store.audit_head() is None
    assert await audit_len(store) == 0


async def test_reopening_keeps_every_kind_of_data(store: Store, reopen: Reopen) -> None:
    await seed_regions(store)
    await seed_users(store)
    [g] = await add_groups(store, [group(TAJUR_RT1, "-100")])
    ann = await new_announcement(store)
    version = await store.schema_version()
    regions = await store.count_regions()
    entries = await audit_len(store)
    head = await store.audit_head()

    again = await reopen()

    assert await again.schema_version() == version
    assert await again.count_regions() == regions
    assert await again.get_group(g.id) == g
    assert (await again.get_user("officer")).role is Role.officer
    assert (await again.get_announcement(ann.id)).short_code == ann.short_code
    assert await again.audit_head() == head
    assert await audit_len(again) == entries
    assert (await verify_chain(again.iter_audit(), await again.audit_head())).ok
    # still writable, and the chain goes on from the old head
    await add_groups(again, [group(TAJUR_RT1, "-200")])
    assert (await again.count_groups(GroupFilter()))["total"] == 2
    assert (await verify_chain(again.iter_audit(), await again.audit_head())).ok


async def test_close_is_idempotent_and_reopen_works_twice(store: Store, reopen: Reopen) -> None:
    version = await store.schema_version()
    await store.close()
    await store.close()
    first = await reopen()
    await first.close()
    second = await reopen()
    assert await second.schema_version() == version


async def test_async_with_opens_and_closes(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "ctx.db") as s:
        await s.import_regions(BANTEN[:1], rec())
    async with SqliteStore(tmp_path / "ctx.db") as s:
        assert await s.count_regions() == 1


# -- SQLite specifics ----------------------------------------------------------------------------
async def test_sqlite_applies_every_bundled_migration_once(tmp_path: Path) -> None:
    bundled = [version for version, _ in _migrations()]
    # numbers are handed out per piece of work (0006 holds, 0010 self-service, …), so there may
    # be gaps; each is applied once, in order
    assert bundled[0] == 1 and bundled == sorted(set(bundled))
    path = tmp_path / "m.db"
    async with SqliteStore(path) as s:
        first = await s._fetch("SELECT version, applied_at FROM schema_migrations ORDER BY 1")
        assert await s.schema_version() == bundled[-1]
    async with SqliteStore(path) as s:
        again = await s._fetch("SELECT version, applied_at FROM schema_migrations ORDER BY 1")
        assert await s.schema_version() == bundled[-1]
    assert [r[0] for r in first] == bundled
    assert first == again  # nothing re-applied: same rows, same applied_at


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    async with SqliteStore(tmp_path / "w.db") as s:
        assert (await s._fetch("PRAGMA journal_mode"))[0][0] == "wal"
        assert (await s._fetch("PRAGMA foreign_keys"))[0][0] == 1


async def test_sqlite_creates_missing_parent_folders(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "c.db"
    async with SqliteStore(path) as s:
        assert await s.schema_version() >= 1
    assert path.exists()
