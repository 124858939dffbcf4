"""The hash-chained audit log: every state change is recorded with its actor, and any later
edit or deletion of the log is detected, by the API and by ``broadcaster audit verify``."""

from __future__ import annotations

import itertools
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.scripted import ScriptedAdapter
from broadcaster.announcements import Workflow, start_dispatch
from broadcaster.audit import GENESIS, VerifyResult, verify_chain
from broadcaster.directory import Directory
from broadcaster.store.contract import Store
from broadcaster.store.records import AuditEntry, AuditRecord, GroupStatus, Role
from broadcaster.store.sqlite import SqliteStore
from content.hashing import content_hash
from schedules.spec import ScheduleSpec
from tests.core.test_workflow import execute, make_content, sqlite_of
from tests.seed import seed_regions


async def verify(store: Store) -> VerifyResult:
    return await verify_chain(store.iter_audit(batch=7), await store.audit_head())


async def entries(store: Store) -> list[AuditEntry]:
    return [e async for e in store.iter_audit()]


async def drop_triggers(store: Store) -> None:
    """What an attacker with write access to the database file does first."""
    if not isinstance(store, SqliteStore):  # PostgreSQL: one trigger (tests/pg covers it)
        await execute(store, "DROP TRIGGER audit_no_change ON audit")
        return
    await execute(store, "DROP TRIGGER audit_no_update")
    await execute(store, "DROP TRIGGER audit_no_delete")


@pytest.fixture
async def busy(store: Store) -> Store:
    """A store with a realistic history: users, groups, an announcement and its dispatch."""
    await seed_regions(store)
    directory = Directory(store, {"scripted": ScriptedAdapter})
    await directory.add_user(None, "admin", Role.admin, None)
    await directory.add_user("admin", "officer", Role.officer, "36")
    await directory.add_user("admin", "verifier", Role.verifier, "36")
    group = await directory.add_group("officer", "scripted", "g1", "3673010001", "rt")
    await directory.set_group_status("verifier", group.id, GroupStatus.active)
    await directory.set_group_status("officer", group.id, GroupStatus.paused)
    wf = Workflow(store)
    record = await wf.create("officer", make_content())
    await wf.submit("officer", record.id)
    await wf.approve("verifier", record.id)
    schedule = await wf.schedule("officer", record.id, ScheduleSpec.now())
    await start_dispatch(store, record.id, schedule, datetime.now(UTC))
    return store


async def test_every_state_change_is_recorded_with_its_actor(busy: Store) -> None:
    log = await entries(busy)
    seen = [(e.actor, e.action, e.object_type) for e in log]
    expected = [
        ("test", "regions.import", "regions"),
        ("bootstrap", "user.add", "user"),
        ("admin", "user.add", "user"),
        ("admin", "user.add", "user"),
        ("officer", "group.add", "group"),
        ("verifier", "group.approve", "group"),
        ("officer", "group.pause", "group"),
        ("officer", "announcement.create", "announcement"),
        ("officer", "announcement.submit", "announcement"),
        ("verifier", "announcement.approval", "announcement"),
        ("verifier", "announcement.approve", "announcement"),
        ("officer", "schedule.create", "schedule"),
        ("officer", "announcement.schedule", "announcement"),
        ("system", "dispatch.create", "dispatch"),
        ("system", "announcement.dispatching", "announcement"),
    ]
    # in this order, each exactly once (other entries may sit between them)
    remaining = iter(seen)
    missing = [step for step in expected if step not in remaining]
    assert not missing, f"not recorded (in order): {missing}\nlog: {seen}"
    for step in expected:
        assert seen.count(step) == expected.count(step), f"{step} recorded {seen.count(step)}x"
    assert [e.seq for e in log] == list(range(1, len(log) + 1))
    assert all(e.actor for e in log)
    announcement = (await busy.list_announcements())[0]
    for e in log:
        if e.object_type == "announcement" and e.action != "announcement.dispatching":
            assert e.object_id == str(announcement.id)
            assert e.content_hash == content_hash(announcement.content)
        assert e.object_id, f"entry {e.seq} names no object"
    dispatch_entry = next(e for e in log if e.action == "dispatch.create")
    assert dispatch_entry.content_hash == announcement.approved_hash


async def test_the_chain_links_every_entry_to_the_previous_one(busy: Store) -> None:
    log = await entries(busy)
    assert log[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(log):
        assert after.prev_hash == before.hash
    assert await busy.audit_head() == (log[-1].seq, log[-1].hash)


async def test_an_untouched_log_verifies(busy: Store) -> None:
    result = await verify(busy)
    assert result.ok, result
    assert result.checked == len(await entries(busy))
    assert result.first_bad_seq is None


async def test_an_empty_log_verifies(store: Store) -> None:
    assert (await verify(store)).ok


async def test_the_triggers_refuse_edits_and_deletes(busy: Store) -> None:
    if not isinstance(busy, SqliteStore):
        pytest.skip("SQLite's triggers; tests/pg/test_pg_store.py checks PostgreSQL's")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        await execute(busy, "UPDATE audit SET actor = 'x' WHERE seq = 3")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        await execute(busy, "DELETE FROM audit WHERE seq = 3")
    await sqlite_of(busy).db.rollback()
    assert (await verify(busy)).ok


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("detail", '{"role":"admin","scope":null}'),
        ("actor", "verifier"),
        ("at", "at + 3600"),
        ("action", "'user.remove'"),
        ("object_id", "'intruder'"),
        ("content_hash", "'" + "f" * 64 + "'"),
        ("hash", "'" + "0" * 64 + "'"),
        ("prev_hash", "'" + "1" * 64 + "'"),
    ],
)
@pytest.mark.parametrize("seq", [1, 4, 9])
async def test_altering_any_past_entry_is_detected(
    busy: Store, column: str, value: str, seq: int
) -> None:
    await drop_triggers(busy)
    if column in ("detail", "actor"):
        await execute(busy, f"UPDATE audit SET {column} = ? WHERE seq = ?", (value, seq))
    else:
        await execute(busy, f"UPDATE audit SET {column} = {value} WHERE seq = ?", (seq,))
    result = await verify(busy)
    assert not result.ok
    assert result.first_bad_seq == seq, result
    assert result.checked == seq - 1


async def test_altering_an_entry_and_relinking_the_next_is_still_detected(busy: Store) -> None:
    """Fixing up the altered entry's own hash moves the break to the next link."""
    from broadcaster.audit import entry_hash

    await drop_triggers(busy)
    target = (await entries(busy))[4]
    forged = entry_hash(
        seq=target.seq,
        at=target.at,
        actor="admin",
        action=target.action,
        object_type=target.object_type,
        object_id=target.object_id,
        detail=target.detail,
        content_hash=target.content_hash,
        prev_hash=target.prev_hash,
    )
    await execute(
        busy, "UPDATE audit SET actor = 'admin', hash = ? WHERE seq = ?", (forged, target.seq)
    )
    result = await verify(busy)
    assert not result.ok
    assert result.first_bad_seq == target.seq + 1
    assert result.problem is not None and "previous-hash" in result.problem


@pytest.mark.parametrize("seq", [1, 2, 7])
async def test_deleting_an_entry_is_detected(busy: Store, seq: int) -> None:
    await drop_triggers(busy)
    await execute(busy, "DELETE FROM audit WHERE seq = ?", (seq,))
    result = await verify(busy)
    assert not result.ok
    assert result.first_bad_seq == seq
    assert result.problem is not None and f"entry {seq} is missing" in result.problem


@pytest.mark.parametrize("dropped", [1, 3])
async def test_deleting_the_newest_entries_is_detected_by_the_head(
    busy: Store, dropped: int
) -> None:
    total = len(await entries(busy))
    await drop_triggers(busy)
    await execute(busy, "DELETE FROM audit WHERE seq > ?", (total - dropped,))
    result = await verify(busy)
    assert not result.ok
    assert result.first_bad_seq == total - dropped + 1
    assert result.problem is not None and f"recorded head is entry {total}" in result.problem


async def test_deleting_everything_is_detected(busy: Store) -> None:
    await drop_triggers(busy)
    await execute(busy, "DELETE FROM audit")
    result = await verify(busy)
    assert not result.ok
    assert result.first_bad_seq == 1


async def test_deleting_the_head_record_is_detected(busy: Store) -> None:
    await execute(busy, "DELETE FROM meta WHERE key = 'audit_head'")
    result = await verify(busy)
    assert not result.ok
    assert result.first_bad_seq == 1


async def test_appends_after_a_check_keep_verifying(busy: Store) -> None:
    await busy.audit(
        AuditRecord(
            actor="admin",
            action="note",
            object_type="system",
            object_id="x",
            detail={"kata": "ñandú ✓"},
        )
    )
    assert (await verify(busy)).ok


# -- the CLI ---------------------------------------------------------------------------------
def write_config(tmp_path: Path, db: Path) -> Path:
    config = tmp_path / "audit.toml"
    config.write_text(
        "\n".join(
            [
                "[service]",
                f'data_dir = "{tmp_path / "var"}"',
                "[store]",
                f'url = "sqlite:///{db}"',
                "[schedule]",
                'quiet_hours = "off"',
                "[http]",
                "enabled = false",
                "[accounts.scripted]",
                'adapter = "scripted"',
                "",
            ]
        ),
        encoding="utf-8",
    )
    return config


def audit_verify(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "broadcaster", "audit", "verify", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("BROADCASTER_")},
            "COLUMNS": "200",
            "NO_COLOR": "1",
        },
    )


async def test_cli_audit_verify_names_the_first_bad_entry(busy: Store, tmp_path: Path) -> None:
    if not isinstance(busy, SqliteStore):
        pytest.skip("the CLI reads a SQLite file here; the chain checks above run on both engines")
    config = write_config(tmp_path, busy.path)

    good = audit_verify(config)
    assert good.returncode == 0, good.stdout + good.stderr

    await drop_triggers(busy)
    await execute(busy, "UPDATE audit SET actor = 'verifier' WHERE seq IN (5, 8)")
    bad = audit_verify(config)
    assert bad.returncode != 0
    output = bad.stdout + bad.stderr
    assert "audit chain broken at entry 5" in output, output
    assert "Traceback" not in output
