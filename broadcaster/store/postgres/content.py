"""Announcements, approvals and schedules on PostgreSQL."""

from __future__ import annotations

import time
from typing import Any

import asyncpg

from content.model import Announcement
from content.workflow import Status

from ...errors import Conflict, NotFound
from ..records import (
    AnnouncementRecord,
    Approval,
    AuditRecord,
    ScheduleRecord,
    ScheduleStatus,
)
from ..sqlite.content import _ANN_COLS, _SCHED_COLS, new_short_code
from ..sqlite.content import _announcement as _sqlite_announcement
from ..sqlite.content import _approval as _sqlite_approval
from ..sqlite.content import _schedule as _sqlite_schedule
from .base import Conn, PgBase, q
from .directory import with_object


def announcement_of(row: Any) -> AnnouncementRecord:
    return _sqlite_announcement(tuple(row))


def schedule_of(row: Any) -> ScheduleRecord:
    return _sqlite_schedule(tuple(row))


def approval_of(row: Any) -> Approval:
    return _sqlite_approval(tuple(row))


async def _require_announcement(db: Conn, announcement_id: int) -> None:
    if not await db.fetchval("SELECT 1 FROM announcements WHERE id = $1", announcement_id):
        raise NotFound(f"announcement {announcement_id} does not exist")


class ContentMixin(PgBase):
    async def create_announcement(
        self, author: str, content: Announcement, content_hash: str, audit: AuditRecord
    ) -> AnnouncementRecord:
        now = time.time()
        async with self._tx() as db:
            row = None
            for _ in range(5):
                try:
                    async with db.transaction():  # a savepoint: a collision keeps the outer tx
                        row = await db.fetchrow(
                            "INSERT INTO announcements(short_code, author, status, content, "
                            "content_hash, version, created_at, updated_at) "
                            f"VALUES ($1,$2,$3,$4,$5,1,$6,$7) RETURNING {_ANN_COLS}",
                            new_short_code(),
                            author,
                            str(Status.draft),
                            content.model_dump_json(),
                            content_hash,
                            now,
                            now,
                        )
                    break
                except asyncpg.UniqueViolationError:
                    continue  # short-code collision: draw another
            if row is None:
                raise Conflict("could not allocate a unique short code; try again")
            await self._append_audit(db, with_object(audit, int(row[0])))
        return announcement_of(row)

    async def get_announcement(self, announcement_id: int) -> AnnouncementRecord:
        rows = await self._fetch(
            f"SELECT {_ANN_COLS} FROM announcements WHERE id = ?", (announcement_id,)
        )
        if not rows:
            raise NotFound(f"announcement {announcement_id} does not exist")
        return announcement_of(rows[0])

    async def find_announcement(self, short_code: str) -> AnnouncementRecord | None:
        rows = await self._fetch(
            f"SELECT {_ANN_COLS} FROM announcements WHERE short_code = ?", (short_code.upper(),)
        )
        return announcement_of(rows[0]) if rows else None

    async def list_announcements(
        self, status: Status | None = None, limit: int = 100, offset: int = 0
    ) -> list[AnnouncementRecord]:
        where, params = ("WHERE status = ?", [str(status)]) if status else ("", [])
        rows = await self._fetch(
            f"SELECT {_ANN_COLS} FROM announcements {where} ORDER BY id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [announcement_of(r) for r in rows]

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
            row = await db.fetchrow(
                q(
                    f"UPDATE announcements SET {', '.join(sets)} WHERE id = ? AND version = ? "
                    f"RETURNING {_ANN_COLS}"
                ),
                *params,
                announcement_id,
                expected_version,
            )
            if row is None:
                if not await db.fetchval(
                    "SELECT 1 FROM announcements WHERE id = $1", announcement_id
                ):
                    raise NotFound(f"announcement {announcement_id} does not exist")
                raise Conflict(
                    f"announcement {announcement_id} was changed by someone else meanwhile "
                    "(reload it and try again)"
                )
            await self._append_audit(db, audit)
        return announcement_of(row)

    async def add_approval(
        self, announcement_id: int, approver: str, content_hash: str, audit: AuditRecord
    ) -> list[Approval]:
        async with self._tx() as db:
            await _require_announcement(db, announcement_id)
            inserted = await db.fetchval(
                "INSERT INTO approvals VALUES ($1,$2,$3,$4) ON CONFLICT DO NOTHING RETURNING 1",
                announcement_id,
                approver,
                content_hash,
                time.time(),
            )
            if inserted is None:
                raise Conflict(f"{approver} has already approved this version")
            await self._append_audit(db, audit)
            rows = await db.fetch(
                "SELECT announcement_id, approver, content_hash, at FROM approvals "
                "WHERE announcement_id = $1 AND content_hash = $2 ORDER BY at",
                announcement_id,
                content_hash,
            )
        return [approval_of(r) for r in rows]

    async def list_approvals(self, announcement_id: int) -> list[Approval]:
        rows = await self._fetch(
            "SELECT announcement_id, approver, content_hash, at FROM approvals "
            "WHERE announcement_id = ? ORDER BY at",
            (announcement_id,),
        )
        return [approval_of(r) for r in rows]

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
            row = await db.fetchrow(
                "INSERT INTO schedules(announcement_id, kind, run_at, cron, timezone, status, "
                f"created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING {_SCHED_COLS}",
                announcement_id,
                kind,
                run_at,
                cron,
                timezone,
                str(ScheduleStatus.active),
                created_by,
                time.time(),
            )
            assert row is not None
            await self._append_audit(db, with_object(audit, int(row[0])))
        return schedule_of(row)

    async def get_schedule(self, schedule_id: int) -> ScheduleRecord:
        rows = await self._fetch(
            f"SELECT {_SCHED_COLS} FROM schedules WHERE id = ?", (schedule_id,)
        )
        if not rows:
            raise NotFound(f"schedule {schedule_id} does not exist")
        return schedule_of(rows[0])

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
        return [schedule_of(r) for r in rows]

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
            if sets:
                row = await db.fetchrow(
                    q(
                        f"UPDATE schedules SET {', '.join(sets)} WHERE id = ? "
                        f"RETURNING {_SCHED_COLS}"
                    ),
                    *params,
                    schedule_id,
                )
            else:
                row = await db.fetchrow(
                    f"SELECT {_SCHED_COLS} FROM schedules WHERE id = $1", schedule_id
                )
            if row is None:
                raise NotFound(f"schedule {schedule_id} does not exist")
            if audit is not None:
                await self._append_audit(db, audit)
        return schedule_of(row)
