"""Announcements, approvals and schedules: the SQL of both engines."""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any

from content.workflow import Status

from ...errors import Conflict, NotFound
from ..records import (
    AnnouncementRecord,
    Approval,
    AuditRecord,
    ScheduleRecord,
    ScheduleStatus,
)
from .base import SqlBase, Tx, with_object
from .rows import (
    ANN_COLS,
    APPROVAL_COLS,
    SCHED_COLS,
    announcement_of,
    approval_of,
    schedule_of,
)

if TYPE_CHECKING:
    from content.model import Announcement

# no 0/O/1/I/L: short codes are read aloud and typed from phones
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_short_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(8))


async def _require_announcement(db: Tx, announcement_id: int) -> None:
    if not await db.fetch("SELECT 1 FROM announcements WHERE id = ?", (announcement_id,)):
        raise NotFound(f"announcement {announcement_id} does not exist")


class ContentSql(SqlBase):
    async def create_announcement(
        self, author: str, content: Announcement, content_hash: str, audit: AuditRecord
    ) -> AnnouncementRecord:
        now = time.time()
        async with self._tx() as db:
            rows: list[Any] = []
            for _ in range(5):
                try:
                    async with db.savepoint():  # a collision keeps the outer transaction
                        rows = await db.fetch(
                            "INSERT INTO announcements(short_code, author, status, content, "
                            "content_hash, version, created_at, updated_at) "
                            f"VALUES (?,?,?,?,?,1,?,?) RETURNING {ANN_COLS}",
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
                except db.duplicate:
                    continue  # short-code collision: draw another
            if not rows:
                raise Conflict("could not allocate a unique short code; try again")
            await self._append_audit(db, with_object(audit, int(rows[0][0])))
        return announcement_of(rows[0])

    async def get_announcement(self, announcement_id: int) -> AnnouncementRecord:
        rows = await self._fetch(
            f"SELECT {ANN_COLS} FROM announcements WHERE id = ?", (announcement_id,)
        )
        if not rows:
            raise NotFound(f"announcement {announcement_id} does not exist")
        return announcement_of(rows[0])

    async def find_announcement(self, short_code: str) -> AnnouncementRecord | None:
        rows = await self._fetch(
            f"SELECT {ANN_COLS} FROM announcements WHERE short_code = ?", (short_code.upper(),)
        )
        return announcement_of(rows[0]) if rows else None

    async def list_announcements(
        self, status: Status | None = None, limit: int = 100, offset: int = 0
    ) -> list[AnnouncementRecord]:
        where, params = ("WHERE status = ?", [str(status)]) if status else ("", [])
        rows = await self._fetch(
            f"SELECT {ANN_COLS} FROM announcements {where} ORDER BY id DESC LIMIT ? OFFSET ?",
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
            rows = await db.fetch(
                f"UPDATE announcements SET {', '.join(sets)} WHERE id = ? AND version = ? "
                f"RETURNING {ANN_COLS}",
                [*params, announcement_id, expected_version],
            )
            if not rows:
                await _require_announcement(db, announcement_id)
                raise Conflict(
                    f"announcement {announcement_id} was changed by someone else meanwhile "
                    "(reload it and try again)"
                )
            await self._append_audit(db, audit)
        return announcement_of(rows[0])

    async def add_approval(
        self, announcement_id: int, approver: str, content_hash: str, audit: AuditRecord
    ) -> list[Approval]:
        async with self._tx() as db:
            await _require_announcement(db, announcement_id)
            inserted = await db.fetch(
                "INSERT INTO approvals VALUES (?,?,?,?) ON CONFLICT DO NOTHING RETURNING 1",
                (announcement_id, approver, content_hash, time.time()),
            )
            if not inserted:
                raise Conflict(f"{approver} has already approved this version")
            await self._append_audit(db, audit)
            rows = await db.fetch(
                f"SELECT {APPROVAL_COLS} FROM approvals "
                "WHERE announcement_id = ? AND content_hash = ? ORDER BY at",
                (announcement_id, content_hash),
            )
        return [approval_of(r) for r in rows]

    async def list_approvals(self, announcement_id: int) -> list[Approval]:
        rows = await self._fetch(
            f"SELECT {APPROVAL_COLS} FROM approvals WHERE announcement_id = ? ORDER BY at",
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
            [row] = await db.fetch(
                "INSERT INTO schedules(announcement_id, kind, run_at, cron, timezone, status, "
                f"created_by, created_at) VALUES (?,?,?,?,?,?,?,?) RETURNING {SCHED_COLS}",
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
            await self._append_audit(db, with_object(audit, int(row[0])))
        return schedule_of(row)

    async def get_schedule(self, schedule_id: int) -> ScheduleRecord:
        rows = await self._fetch(f"SELECT {SCHED_COLS} FROM schedules WHERE id = ?", (schedule_id,))
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
        rows = await self._fetch(f"SELECT {SCHED_COLS} FROM schedules {where} ORDER BY id", params)
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
                rows = await db.fetch(
                    f"UPDATE schedules SET {', '.join(sets)} WHERE id = ? RETURNING {SCHED_COLS}",
                    [*params, schedule_id],
                )
            else:
                rows = await db.fetch(
                    f"SELECT {SCHED_COLS} FROM schedules WHERE id = ?", (schedule_id,)
                )
            if not rows:
                raise NotFound(f"schedule {schedule_id} does not exist")
            if audit is not None:
                await self._append_audit(db, audit)
        return schedule_of(rows[0])
