"""Announcements, approvals and schedules on SQLite."""

from __future__ import annotations

import secrets
import sqlite3
import time
from typing import Any

import aiosqlite

from content.model import Announcement
from content.workflow import Status

from ...errors import Conflict, NotFound
from ..records import (
    AnnouncementRecord,
    Approval,
    AuditRecord,
    ScheduleRecord,
    ScheduleStatus,
    from_ts,
)
from .base import Row, SqliteBase
from .directory import _with_object

_ANN_COLS = (
    "id, short_code, author, status, content, content_hash, approved_hash, version, "
    "reject_reason, created_at, updated_at"
)
_SCHED_COLS = (
    "id, announcement_id, kind, run_at, cron, timezone, status, created_by, created_at, "
    "last_fired_at, note"
)
# no 0/O/1/I/L: short codes are read aloud and typed from phones
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_short_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(8))


def _announcement(row: Row) -> AnnouncementRecord:
    created, updated = from_ts(row[9]), from_ts(row[10])
    assert created is not None and updated is not None
    return AnnouncementRecord(
        id=int(row[0]),
        short_code=row[1],
        author=row[2],
        status=Status(row[3]),
        content=Announcement.model_validate_json(row[4]),
        content_hash=row[5],
        approved_hash=row[6],
        version=int(row[7]),
        reject_reason=row[8],
        created_at=created,
        updated_at=updated,
    )


def _schedule(row: Row) -> ScheduleRecord:
    created = from_ts(row[8])
    assert created is not None
    return ScheduleRecord(
        id=int(row[0]),
        announcement_id=int(row[1]),
        kind=row[2],
        run_at=from_ts(row[3]),
        cron=row[4],
        timezone=row[5],
        status=ScheduleStatus(row[6]),
        created_by=row[7],
        created_at=created,
        last_fired_at=from_ts(row[9]),
        note=row[10],
    )


def _approval(row: Row) -> Approval:
    at = from_ts(row[3])
    assert at is not None
    return Approval(int(row[0]), row[1], row[2], at)


async def _require_announcement(db: aiosqlite.Connection, announcement_id: int) -> None:
    if not await db.execute_fetchall(
        "SELECT 1 FROM announcements WHERE id = ?", (announcement_id,)
    ):
        raise NotFound(f"announcement {announcement_id} does not exist")


class ContentMixin(SqliteBase):
    async def create_announcement(
        self, author: str, content: Announcement, content_hash: str, audit: AuditRecord
    ) -> AnnouncementRecord:
        now = time.time()
        async with self._tx() as db:
            for _ in range(5):
                try:
                    cursor = await db.execute(
                        "INSERT INTO announcements(short_code, author, status, content, "
                        "content_hash, version, created_at, updated_at) "
                        "VALUES (?,?,?,?,?,1,?,?)",
                        (
                            new_short_code(),
                            author,
                            str(Status.draft),
                            content.model_dump_json(),
                            content_hash,
                            now,
                            now,
                        ),
                    )
                    break
                except sqlite3.IntegrityError:
                    continue  # short-code collision: draw another
            else:
                raise Conflict("could not allocate a unique short code; try again")
            new_id = cursor.lastrowid
            assert new_id is not None
            await self._append_audit(db, _with_object(audit, new_id))
            rows = await db.execute_fetchall(
                f"SELECT {_ANN_COLS} FROM announcements WHERE id = ?", (new_id,)
            )
        return _announcement(tuple(list(rows)[0]))

    async def get_announcement(self, announcement_id: int) -> AnnouncementRecord:
        rows = await self._fetch(
            f"SELECT {_ANN_COLS} FROM announcements WHERE id = ?", (announcement_id,)
        )
        if not rows:
            raise NotFound(f"announcement {announcement_id} does not exist")
        return _announcement(rows[0])

    async def find_announcement(self, short_code: str) -> AnnouncementRecord | None:
        rows = await self._fetch(
            f"SELECT {_ANN_COLS} FROM announcements WHERE short_code = ?", (short_code.upper(),)
        )
        return _announcement(rows[0]) if rows else None

    async def list_announcements(
        self, status: Status | None = None, limit: int = 100, offset: int = 0
    ) -> list[AnnouncementRecord]:
        where, params = ("WHERE status = ?", [str(status)]) if status else ("", [])
        rows = await self._fetch(
            f"SELECT {_ANN_COLS} FROM announcements {where} ORDER BY id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [_announcement(r) for r in rows]

    async def save_announcement(
        self,
        announcement_id: int,
        expected_version: int,
        audit: AuditRecord,
        *,
        status: Status,
        content: Announcement | None = None,
        content_hash: str | None = None,
        approved_hash: str | None = None,
        clear_approved: bool = False,
        reject_reason: str | None = None,
    ) -> AnnouncementRecord:
        sets = ["status = ?", "version = version + 1", "updated_at = ?", "reject_reason = ?"]
        params: list[Any] = [str(status), time.time(), reject_reason]
        if content is not None:
            if content_hash is None:
                raise ValueError("content_hash is required with content")
            sets += ["content = ?", "content_hash = ?"]
            params += [content.model_dump_json(), content_hash]
        if approved_hash is not None:
            sets.append("approved_hash = ?")
            params.append(approved_hash)
        elif clear_approved:
            sets.append("approved_hash = NULL")
        async with self._tx() as db:
            cursor = await db.execute(
                f"UPDATE announcements SET {', '.join(sets)} WHERE id = ? AND version = ?",
                [*params, announcement_id, expected_version],
            )
            if cursor.rowcount == 0:
                exists = await db.execute_fetchall(
                    "SELECT version FROM announcements WHERE id = ?", (announcement_id,)
                )
                if not exists:
                    raise NotFound(f"announcement {announcement_id} does not exist")
                raise Conflict(
                    f"announcement {announcement_id} was changed by someone else meanwhile "
                    "(reload it and try again)"
                )
            await self._append_audit(db, audit)
            rows = await db.execute_fetchall(
                f"SELECT {_ANN_COLS} FROM announcements WHERE id = ?", (announcement_id,)
            )
        return _announcement(tuple(list(rows)[0]))

    async def add_approval(
        self, announcement_id: int, approver: str, content_hash: str, audit: AuditRecord
    ) -> list[Approval]:
        async with self._tx() as db:
            await _require_announcement(db, announcement_id)
            try:
                await db.execute(
                    "INSERT INTO approvals VALUES (?,?,?,?)",
                    (announcement_id, approver, content_hash, time.time()),
                )
            except sqlite3.IntegrityError as exc:
                raise Conflict(f"{approver} has already approved this version") from exc
            await self._append_audit(db, audit)
            rows = await db.execute_fetchall(
                "SELECT announcement_id, approver, content_hash, at FROM approvals "
                "WHERE announcement_id = ? AND content_hash = ? ORDER BY at",
                (announcement_id, content_hash),
            )
        return [_approval(tuple(r)) for r in rows]

    async def list_approvals(self, announcement_id: int) -> list[Approval]:
        rows = await self._fetch(
            "SELECT announcement_id, approver, content_hash, at FROM approvals "
            "WHERE announcement_id = ? ORDER BY at",
            (announcement_id,),
        )
        return [_approval(r) for r in rows]

    # -- schedules -------------------------------------------------------------------------
    async def create_schedule(
        self,
        announcement_id: int,
        kind: str,
        run_at: float | None,
        cron: str | None,
        timezone: str,
        created_by: str,
        audit: AuditRecord,
    ) -> ScheduleRecord:
        async with self._tx() as db:
            await _require_announcement(db, announcement_id)
            cursor = await db.execute(
                "INSERT INTO schedules(announcement_id, kind, run_at, cron, timezone, status, "
                "created_by, created_at) VALUES (?,?,?,?,?,?,?,?)",
                (
                    announcement_id,
                    kind,
                    run_at,
                    cron,
                    timezone,
                    str(ScheduleStatus.active),
                    created_by,
                    time.time(),
                ),
            )
            new_id = cursor.lastrowid
            assert new_id is not None
            await self._append_audit(db, _with_object(audit, new_id))
            rows = await db.execute_fetchall(
                f"SELECT {_SCHED_COLS} FROM schedules WHERE id = ?", (new_id,)
            )
        return _schedule(tuple(list(rows)[0]))

    async def get_schedule(self, schedule_id: int) -> ScheduleRecord:
        rows = await self._fetch(
            f"SELECT {_SCHED_COLS} FROM schedules WHERE id = ?", (schedule_id,)
        )
        if not rows:
            raise NotFound(f"schedule {schedule_id} does not exist")
        return _schedule(rows[0])

    async def list_schedules(
        self, status: ScheduleStatus | None = None, announcement_id: int | None = None
    ) -> list[ScheduleRecord]:
        clauses: list[str] = []
        params: list[Any] = []
        if status is not None:
            clauses.append("status = ?")
            params.append(str(status))
        if announcement_id is not None:
            clauses.append("announcement_id = ?")
            params.append(announcement_id)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = await self._fetch(f"SELECT {_SCHED_COLS} FROM schedules {where} ORDER BY id", params)
        return [_schedule(r) for r in rows]

    async def update_schedule(
        self,
        schedule_id: int,
        audit: AuditRecord | None,
        *,
        status: ScheduleStatus | None = None,
        last_fired_at: float | None = None,
        note: str | None = None,
    ) -> ScheduleRecord:
        sets: list[str] = []
        params: list[Any] = []
        if status is not None:
            sets.append("status = ?")
            params.append(str(status))
        if last_fired_at is not None:
            sets.append("last_fired_at = ?")
            params.append(last_fired_at)
        if note is not None:
            sets.append("note = ?")
            params.append(note)
        async with self._tx() as db:
            if not await db.execute_fetchall(
                "SELECT 1 FROM schedules WHERE id = ?", (schedule_id,)
            ):
                raise NotFound(f"schedule {schedule_id} does not exist")
            if sets:
                await db.execute(
                    f"UPDATE schedules SET {', '.join(sets)} WHERE id = ?",
                    [*params, schedule_id],
                )
            if audit is not None:
                await self._append_audit(db, audit)
            rows = await db.execute_fetchall(
                f"SELECT {_SCHED_COLS} FROM schedules WHERE id = ?", (schedule_id,)
            )
        return _schedule(tuple(list(rows)[0]))
