"""The audit log as the store keeps it: one entry per audited mutation, written in the same
transaction, chained, append-only."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from broadcaster.audit import GENESIS, verify_chain
from broadcaster.errors import BroadcasterError
from broadcaster.store.contract import Store
from broadcaster.store.records import (
    AuditRecord,
    DispatchStatus,
    GroupStatus,
    Region,
    Role,
    ScheduleStatus,
)
from broadcaster.store.sqlite import SqliteStore
from content.model import Level, Priority
from content.workflow import Status
from tests.seed import BANTEN
from tests.store.support import TAJUR_RT1, announcement, audit_len, collect, group

Step = Callable[[Store, AuditRecord], Awaitable[Any]]


def steps() -> list[tuple[str, Step]]:
    """Every audited mutation of the contract, in an order where each one succeeds."""
    content = announcement()
    state: dict[str, int] = {}

    async def add_group(s: Store, a: AuditRecord) -> None:
        state["group"] = (await s.add_group(group(TAJUR_RT1, "-1"), a)).id

    async def create_announcement(s: Store, a: AuditRecord) -> None:
        state["ann"] = (await s.create_announcement("siti", content, "h1", a)).id

    async def create_schedule(s: Store, a: AuditRecord) -> None:
        sched = await s.create_schedule(state["ann"], "now", None, None, "Asia/Jakarta", "siti", a)
        state["schedule"] = sched.id

    async def create_dispatch(s: Store, a: AuditRecord) -> None:
        d = await s.create_dispatch(
            state["ann"], None, "k1", Priority.normal, "h1", {"regions": ["36"]}, "siti", a
        )
        assert d is not None
        state["dispatch"] = d.id

    return [
        ("import_regions", lambda s, a: s.import_regions(BANTEN, a)),
        (
            "import_regions (units)",
            lambda s, a: s.import_regions(
                [
                    Region(
                        code="3671010001.RW001", level=Level.rw, name="RW 001", parent="3671010001"
                    ),
                    Region(
                        code=TAJUR_RT1, level=Level.rt, name="RT 001", parent="3671010001.RW001"
                    ),
                ],
                a,
            ),
        ),
        ("add_user", lambda s, a: s.add_user("siti", Role.officer, "3671", a)),
        ("update_user", lambda s, a: s.update_user("siti", a, role=Role.verifier)),
        ("add_group", add_group),
        ("update_group", lambda s, a: s.update_group(state["group"], a, status=GroupStatus.paused)),
        ("create_announcement", create_announcement),
        (
            "save_announcement",
            lambda s, a: s.save_announcement(state["ann"], 1, a, status=Status.submitted),
        ),
        ("add_approval", lambda s, a: s.add_approval(state["ann"], "budi", "h1", a)),
        ("create_schedule", create_schedule),
        (
            "update_schedule",
            lambda s, a: s.update_schedule(state["schedule"], a, status=ScheduleStatus.done),
        ),
        ("create_dispatch", create_dispatch),
        (
            "set_dispatch_status",
            lambda s, a: s.set_dispatch_status(state["dispatch"], DispatchStatus.sending, a),
        ),
        ("audit", lambda s, a: s.audit(a)),
    ]


async def test_every_audited_mutation_appends_exactly_one_entry(store: Store) -> None:
    for number, (name, step) in enumerate(steps(), start=1):
        record = AuditRecord(
            actor=f"actor{number}",
            action=name,
            object_type="thing",
            object_id=f"obj{number}",
            detail={"n": number},
            content_hash=f"hash{number}",
        )
        await step(store, record)
        assert await audit_len(store) == number, name
        [entry] = await store.list_audit(1)
        assert (entry.seq, entry.actor, entry.action, entry.object_type) == (
            number,
            f"actor{number}",
            name,
            "thing",
        ), name
        assert entry.object_id == f"obj{number}", name  # a given object id is kept
        assert f'"n":{number}' in entry.detail, name
        assert entry.content_hash == f"hash{number}", name
    result = await verify_chain(store.iter_audit(batch=3), await store.audit_head())
    assert result.ok and result.checked == len(steps())


async def test_creations_without_an_object_id_get_the_new_id(store: Store) -> None:
    await store.import_regions(
        BANTEN,
        AuditRecord(actor="t", action="regions.import", object_type="regions", object_id="x"),
    )
    content = announcement()
    ann = await store.create_announcement(
        "siti",
        content,
        "h",
        AuditRecord(
            actor="siti", action="announcement.create", object_type="announcement", object_id=""
        ),
    )
    assert (await store.list_audit(1))[0].object_id == str(ann.id)
    g = await store.add_group(
        group("3671", "-5"),
        AuditRecord(actor="siti", action="group.add", object_type="group", object_id=""),
    )
    assert (await store.list_audit(1))[0].object_id == str(g.id)


async def test_the_chain_links_entries_and_the_head_follows(store: Store) -> None:
    assert await store.audit_head() is None
    first = await store.audit(AuditRecord(actor="a", action="x", object_type="t", object_id="1"))
    second = await store.audit(
        AuditRecord(actor="b", action="y", object_type="t", object_id="2", detail={"k": [1, 2]})
    )
    assert (first.seq, first.prev_hash) == (1, GENESIS)
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert await store.audit_head() == (2, second.hash)
    assert await collect(store.iter_audit(batch=1)) == [first, second]
    assert (await verify_chain(store.iter_audit(), await store.audit_head())).ok


async def test_list_audit_newest_first_with_filters(store: Store) -> None:
    for i in range(5):
        await store.audit(
            AuditRecord(
                actor="a",
                action="x",
                object_type="group" if i % 2 else "user",
                object_id=str(i % 3),
            )
        )
    assert [e.seq for e in await store.list_audit()] == [5, 4, 3, 2, 1]
    assert [e.seq for e in await store.list_audit(2)] == [5, 4]
    assert [e.seq for e in await store.list_audit(object_type="group")] == [4, 2]
    assert [e.seq for e in await store.list_audit(object_type="user", object_id="0")] == [1]
    assert [e.seq for e in await store.list_audit(object_id="1")] == [5, 2]


async def test_failed_mutations_leave_no_entry(store: Store) -> None:
    await store.import_regions(
        BANTEN,
        AuditRecord(actor="t", action="regions.import", object_type="regions", object_id="x"),
    )
    await store.add_user(
        "siti",
        Role.officer,
        "3671",
        AuditRecord(actor="t", action="u", object_type="user", object_id="siti"),
    )
    head = await store.audit_head()
    record = AuditRecord(actor="t", action="fails", object_type="x", object_id="y")
    for attempt in (
        store.add_user("siti", Role.officer, None, record),
        store.add_group(group("3671010001.RW001", "-1"), record),
        store.update_group(404, record, status=GroupStatus.active),
        store.save_announcement(404, 1, record, status=Status.draft),
        store.set_dispatch_status(404, DispatchStatus.done, record),
    ):
        with pytest.raises(BroadcasterError):
            await attempt
    assert await store.audit_head() == head
    assert (await verify_chain(store.iter_audit(), head)).ok


async def test_sqlite_triggers_refuse_edits_and_deletes(store: Store) -> None:
    if not isinstance(store, SqliteStore):
        pytest.skip("SQLite triggers")
    await store.audit(AuditRecord(actor="a", action="x", object_type="t", object_id="1"))
    for sql in (
        "UPDATE audit SET actor = 'mallory' WHERE seq = 1",
        "DELETE FROM audit WHERE seq = 1",
        "DELETE FROM audit",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            async with store._tx() as db:
                await db.execute(sql)
    [entry] = await collect(store.iter_audit())
    assert entry.actor == "a"
    assert (await verify_chain(store.iter_audit(), await store.audit_head())).ok
