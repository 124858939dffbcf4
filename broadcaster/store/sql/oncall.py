"""The SQL of :class:`~broadcaster.store.contract.oncall.OncallStore` (issue 15): the on-call
rota, the alert log (with each alert's notice queued in the same transaction) and the reads
behind the per-emergency timings."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

from ...errors import Conflict, NotFound
from ..contract.oncall import (
    CAP_AUTHOR_PREFIX,
    AlertRecord,
    NewAlert,
    NewOncall,
    OncallEntry,
    OncallStore,
    ReachTimes,
)
from ..records import AuditRecord
from .base import WORK_NOTICE, Row, SqlBase, with_object

WORK_ALERT = "alert"  # a wake-up kind (broadcaster.engine.work.WorkSignal.remote)

_ENTRY = (
    "id, username, channel, address, days, start_minute, end_minute, position, created_by, "
    "created_at"
)
_ALERT = (
    "id, announcement_id, username, channel, account, address, level, reason, at, notice_id, "
    "acknowledged_at, outcome, closed_at"
)


def _entry(r: Row) -> OncallEntry:
    return OncallEntry(
        id=int(r[0]),
        username=str(r[1]),
        channel=str(r[2]),
        address=str(r[3]),
        days=tuple(d for d in str(r[4]).split(",") if d),
        start_minute=int(r[5]),
        end_minute=int(r[6]),
        position=int(r[7]),
        created_by=str(r[8]),
        created_at=float(r[9]),
    )


def _opt(value: Any) -> float | None:
    return None if value is None else float(value)


def _alert(r: Row) -> AlertRecord:
    return AlertRecord(
        id=int(r[0]),
        announcement_id=int(r[1]),
        username=str(r[2]),
        channel=str(r[3]),
        account=str(r[4]),
        address=str(r[5]),
        level=int(r[6]),
        reason=str(r[7]),
        at=float(r[8]),
        notice_id=None if r[9] is None else int(r[9]),
        acknowledged_at=_opt(r[10]),
        outcome=None if r[11] is None else str(r[11]),
        closed_at=_opt(r[12]),
        notice_sent_at=_opt(r[13]) if len(r) > 13 else None,
        notice_error=None if len(r) <= 14 or r[14] is None else str(r[14]),
    )


class OncallSql(SqlBase, OncallStore):
    async def add_oncall(self, entry: NewOncall, audit: AuditRecord) -> OncallEntry:
        async with self._tx() as db:
            position = entry.position
            if position is None:
                rows = await db.fetch("SELECT COALESCE(MAX(position), 0) FROM oncall")
                position = int(rows[0][0]) + 1
            try:
                async with db.savepoint():
                    rows = await db.fetch(
                        "INSERT INTO oncall(username, channel, address, days, start_minute, "
                        "end_minute, position, created_by, created_at) "
                        f"VALUES (?,?,?,?,?,?,?,?,?) RETURNING {_ENTRY}",
                        (
                            entry.username,
                            entry.channel,
                            entry.address,
                            ",".join(entry.days),
                            entry.start_minute,
                            entry.end_minute,
                            position,
                            audit.actor,
                            time.time(),
                        ),
                    )
            except db.duplicate as exc:
                raise Conflict(
                    f"{entry.username} is already on call on {entry.channel} {entry.address} "
                    "in that window"
                ) from exc
            added = _entry(rows[0])
            await self._append_audit(db, with_object(audit, added.id))
        return added

    async def list_oncall(self, username: str | None = None) -> list[OncallEntry]:
        where, params = ("WHERE username = ? ", (username,)) if username else ("", ())
        rows = await self._fetch(
            f"SELECT {_ENTRY} FROM oncall {where}ORDER BY position, id", params
        )
        return [_entry(r) for r in rows]

    async def remove_oncall(self, entry_id: int, audit: AuditRecord) -> OncallEntry:
        async with self._tx() as db:
            rows = await db.fetch(
                f"DELETE FROM oncall WHERE id = ? RETURNING {_ENTRY}", (entry_id,)
            )
            if not rows:
                raise NotFound(f"no on-call entry {entry_id}")
            await self._append_audit(db, audit)
        return _entry(rows[0])

    async def alert_candidates(self) -> list[int]:
        rows = await self._fetch(
            "SELECT id FROM announcements WHERE status = 'submitted' "
            "OR (status = 'draft' AND author LIKE ?) ORDER BY id",
            (CAP_AUTHOR_PREFIX + "%",),
        )
        return [int(r[0]) for r in rows]

    async def open_alerted(self) -> list[tuple[int, str]]:
        rows = await self._fetch(
            "SELECT a.id, a.status FROM announcements a WHERE a.id IN "
            "(SELECT announcement_id FROM oncall_alerts WHERE outcome IS NULL) ORDER BY a.id"
        )
        return [(int(r[0]), str(r[1])) for r in rows]

    async def wake_alerts(self) -> None:
        async with self._tx() as db:
            await self._notify(db, WORK_ALERT)

    async def alerts_for(self, announcement_id: int) -> list[AlertRecord]:
        columns = ", ".join(f"a.{c.strip()}" for c in _ALERT.split(","))
        rows = await self._fetch(
            f"SELECT {columns}, n.sent_at, n.error FROM oncall_alerts a "
            "LEFT JOIN notices n ON n.id = a.notice_id "
            "WHERE a.announcement_id = ? ORDER BY a.at, a.id",
            (announcement_id,),
        )
        return [_alert(r) for r in rows]

    async def record_alerts(
        self,
        announcement_id: int,
        alerts: Sequence[NewAlert],
        audit: AuditRecord,
        at: float | None = None,
    ) -> list[AlertRecord]:
        added: list[AlertRecord] = []
        now = time.time() if at is None else at
        async with self._tx() as db:
            for a in alerts:
                rows = await db.fetch(
                    "INSERT INTO oncall_alerts(announcement_id, username, channel, account, "
                    "address, level, reason, at) VALUES (?,?,?,?,?,?,?,?) "
                    f"ON CONFLICT DO NOTHING RETURNING {_ALERT}",
                    (
                        announcement_id,
                        a.username,
                        a.channel,
                        a.account,
                        a.address,
                        a.level,
                        a.reason,
                        now,
                    ),
                )
                if not rows:
                    continue  # told before (an earlier run, another process): not again
                notice = await db.fetch(
                    "INSERT INTO notices(account, address, text, at) VALUES (?,?,?,?) RETURNING id",
                    (a.account, a.address, a.text, now),
                )
                notice_id = int(notice[0][0])
                await self._notify(db, f"{WORK_NOTICE}:{a.account}")  # wakes that sender
                await db.execute(
                    "UPDATE oncall_alerts SET notice_id = ? WHERE id = ?", (notice_id, rows[0][0])
                )
                added.append(_alert((*rows[0][:9], notice_id, *rows[0][10:])))
            if added:
                await self._append_audit(db, audit)
        return added

    async def close_alerts(self, announcement_id: int, outcome: str, audit: AuditRecord) -> int:
        async with self._tx() as db:
            closed = await db.execute(
                "UPDATE oncall_alerts SET outcome = ?, closed_at = ? "
                "WHERE announcement_id = ? AND outcome IS NULL",
                (outcome, time.time(), announcement_id),
            )
            if closed:
                await self._append_audit(db, audit)
        return closed

    async def acknowledge_alerts(
        self, announcement_id: int, username: str, audit: AuditRecord
    ) -> int:
        async with self._tx() as db:
            done = await db.execute(
                "UPDATE oncall_alerts SET acknowledged_at = ? WHERE announcement_id = ? "
                "AND username = ? AND acknowledged_at IS NULL",
                (time.time(), announcement_id, username),
            )
            if done:
                await self._append_audit(db, audit)
        return done

    async def workflow_times(self, announcement_id: int) -> dict[str, float]:
        rows = await self._fetch(
            "SELECT action, MIN(at), MAX(at) FROM audit WHERE object_type = 'announcement' "
            "AND object_id = ? AND action IN ('announcement.submit', 'announcement.approve') "
            "GROUP BY action",
            (str(announcement_id),),
        )
        found: dict[str, float] = {}
        for action, first, last in rows:
            if action == "announcement.submit":
                found["submitted"] = float(first)
            else:
                found["approved"] = float(last)
        return found

    async def reach_times(self, announcement_id: int) -> ReachTimes:
        of_announcement = (
            "FROM deliveries WHERE dispatch_id IN "
            "(SELECT id FROM dispatches WHERE announcement_id = ?)"
        )
        rows = await self._fetch(
            "SELECT COUNT(*), "
            "COALESCE(SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END), 0), "
            f"MIN(CASE WHEN status = 'sent' THEN updated_at END) {of_announcement}",
            (announcement_id,),
        )
        groups, reached, first = int(rows[0][0]), int(rows[0][1]), _opt(rows[0][2])
        p95 = None
        needed = math.ceil(0.95 * groups)
        if groups and reached >= needed:
            # a sent delivery's last update is its sending (receipts are kept elsewhere)
            at = await self._fetch(
                f"SELECT updated_at {of_announcement} AND status = 'sent' "
                "ORDER BY updated_at LIMIT 1 OFFSET ?",
                (announcement_id, needed - 1),
            )
            p95 = _opt(at[0][0]) if at else None
        return ReachTimes(groups=groups, reached=reached, first_at=first, p95_at=p95)
