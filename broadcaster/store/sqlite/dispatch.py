"""Dispatches, planning and deliveries on SQLite: the hot path of a broadcast."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from typing import Any

from content.model import Priority

from ...errors import NotFound
from ...regions import is_within, subtree_bounds
from ..records import (
    AuditRecord,
    ClaimedDelivery,
    Dispatch,
    DispatchStatus,
    GroupStatus,
    Outcome,
    Progress,
    from_ts,
)
from .base import Row, SqliteBase
from .directory import _with_object

_GROUP_STATUS = {s.value: s for s in GroupStatus}
_DISPATCH_COLS = (
    "id, announcement_id, schedule_id, fire_key, priority, content_hash, target, status, "
    "planned, created_by, created_at, finished_at, note"
)


def _dispatch(row: Row) -> Dispatch:
    created = from_ts(row[10])
    assert created is not None
    return Dispatch(
        id=int(row[0]),
        announcement_id=int(row[1]),
        schedule_id=row[2],
        fire_key=row[3],
        priority=Priority(row[4]),
        content_hash=row[5],
        target=json.loads(row[6]),
        status=DispatchStatus(row[7]),
        planned=int(row[8]),
        created_by=row[9],
        created_at=created,
        finished_at=from_ts(row[11]),
        note=row[12],
    )


def _target_filter(target: dict[str, Any]) -> tuple[str, list[Any]]:
    """Everything but the region range: active groups, levels, kinds, channels, exclusions."""
    clauses = ["status = 'active'"]
    params: list[Any] = []
    for column, key in (("region_level", "levels"), ("kind", "kinds"), ("channel", "channels")):
        values = [str(v) for v in target.get(key) or []]
        if values:
            clauses.append(f"{column} IN ({','.join('?' * len(values))})")
            params += values
    for code in target.get("exclude") or []:
        low, high = subtree_bounds(code)
        clauses.append("NOT (region >= ? AND region < ?)")
        params += [low, high]
    return " AND ".join(clauses), params


def _roots(codes: Sequence[str]) -> list[str]:
    """The target regions without those inside another target region, in code order.

    ``["3671", "36", "3671"]`` plans as ``["36"]``: overlapping subtrees would otherwise be read
    (and their deliveries offered) twice. In code order an ancestor comes right before its
    subtree, so comparing with the last root kept is enough.
    """
    roots: list[str] = []
    for code in sorted(set(codes)):
        if not (roots and is_within(code, roots[-1])):
            roots.append(code)
    return roots


class DispatchMixin(SqliteBase):
    async def create_dispatch(
        self,
        announcement_id: int,
        schedule_id: int | None,
        fire_key: str,
        priority: Priority,
        content_hash: str,
        target: dict[str, Any],
        created_by: str,
        audit: AuditRecord,
    ) -> Dispatch | None:
        async with self._tx() as db:
            if await db.execute_fetchall(
                "SELECT 1 FROM dispatches WHERE fire_key = ?", (fire_key,)
            ):
                return None
            try:
                cursor = await db.execute(
                    "INSERT INTO dispatches(announcement_id, schedule_id, fire_key, priority, "
                    "rank, content_hash, target, status, cursor, created_by, created_at) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        announcement_id,
                        schedule_id,
                        fire_key,
                        str(priority),
                        priority.rank,
                        content_hash,
                        json.dumps(target, sort_keys=True),
                        str(DispatchStatus.planning),
                        json.dumps({"r": 0, "code": "", "id": 0}),
                        created_by,
                        time.time(),
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise NotFound(
                    f"announcement {announcement_id} or schedule {schedule_id} does not exist"
                ) from exc
            new_id = cursor.lastrowid
            assert new_id is not None
            await self._append_audit(db, _with_object(audit, new_id))
            rows = await db.execute_fetchall(
                f"SELECT {_DISPATCH_COLS} FROM dispatches WHERE id = ?", (new_id,)
            )
        return _dispatch(tuple(list(rows)[0]))

    async def get_dispatch(self, dispatch_id: int) -> Dispatch:
        rows = await self._fetch(
            f"SELECT {_DISPATCH_COLS} FROM dispatches WHERE id = ?", (dispatch_id,)
        )
        if not rows:
            raise NotFound(f"dispatch {dispatch_id} does not exist")
        return _dispatch(rows[0])

    async def list_dispatches(
        self,
        statuses: Sequence[DispatchStatus] = (),
        announcement_id: int | None = None,
        limit: int = 100,
    ) -> list[Dispatch]:
        clauses: list[str] = []
        params: list[Any] = []
        if statuses:
            clauses.append(f"status IN ({','.join('?' * len(statuses))})")
            params += [str(s) for s in statuses]
        if announcement_id is not None:
            clauses.append("announcement_id = ?")
            params.append(announcement_id)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = await self._fetch(
            f"SELECT {_DISPATCH_COLS} FROM dispatches {where} ORDER BY id DESC LIMIT ?",
            [*params, limit],
        )
        return [_dispatch(r) for r in rows]

    async def next_dispatch_to_plan(self) -> Dispatch | None:
        rows = await self._fetch(
            f"SELECT {_DISPATCH_COLS} FROM dispatches WHERE status = 'planning' "
            "ORDER BY rank DESC, id LIMIT 1"
        )
        return _dispatch(rows[0]) if rows else None

    async def plan_batch(self, dispatch_id: int, batch: int) -> int:
        if batch < 1:
            raise ValueError(f"batch must be at least 1, got {batch}")
        async with self._tx() as db:
            rows = list(
                await db.execute_fetchall(
                    "SELECT target, cursor, rank, status FROM dispatches WHERE id = ?",
                    (dispatch_id,),
                )
            )
            if not rows:
                raise NotFound(f"dispatch {dispatch_id} does not exist")
            target = json.loads(rows[0][0])
            cursor = json.loads(rows[0][1])
            rank = int(rows[0][2])
            if rows[0][3] != DispatchStatus.planning.value:
                return 0  # cancelled (or finished) meanwhile: plan nothing more
            regions = _roots(list(target.get("regions") or []))
            predicate, params = _target_filter(target)
            scanned = 0
            while cursor["r"] < len(regions):
                low, high = subtree_bounds(regions[cursor["r"]])
                start = (cursor["code"], cursor["id"])
                # Scalar bounds on region delimit each index scan; the row values only break
                # ties between groups of one region. (SQLite does not seek on a row value, so
                # without the scalar bounds every batch would scan from the range's start or to
                # its end.)
                floor = max(low, start[0])
                end_rows = list(
                    await db.execute_fetchall(
                        "SELECT region, id FROM groups INDEXED BY ix_groups_region "
                        "WHERE region >= ? AND region < ? "
                        "AND (region, id) > (?, ?) ORDER BY region, id LIMIT 1 OFFSET ?",
                        (floor, high, *start, batch - 1),
                    )
                )
                if end_rows:
                    end: tuple[str, int] = (str(end_rows[0][0]), int(end_rows[0][1]))
                    bounds = "region >= ? AND region <= ? AND (region, id) <= (?, ?)"
                    bound_params: list[Any] = [floor, end[0], *end]
                else:
                    bounds, bound_params = "region >= ? AND region < ?", [floor, high]
                now = time.time()
                inserted = await db.execute(
                    "INSERT OR IGNORE INTO deliveries(dispatch_id, group_id, account, rank, "
                    "status, next_at, updated_at) "
                    # the region index, not the channel one (see directory._BY_REGION)
                    "SELECT ?, id, account, ?, 'queued', ?, ? "
                    "FROM groups INDEXED BY ix_groups_region "
                    f"WHERE {bounds} AND (region, id) > (?, ?) AND {predicate}",
                    (dispatch_id, rank, now, now, *bound_params, *start, *params),
                )
                if end_rows:
                    scanned += batch
                else:
                    count_rows = list(
                        await db.execute_fetchall(
                            "SELECT COUNT(*) FROM groups INDEXED BY ix_groups_region "
                            f"WHERE {bounds} AND (region, id) > (?, ?)",
                            (*bound_params, *start),
                        )
                    )
                    scanned += int(count_rows[0][0])
                if end_rows:
                    cursor = {"r": cursor["r"], "code": end[0], "id": end[1]}
                else:
                    cursor = {"r": cursor["r"] + 1, "code": "", "id": 0}
                await db.execute(
                    "UPDATE dispatches SET cursor = ?, planned = planned + ? WHERE id = ?",
                    (json.dumps(cursor), max(inserted.rowcount, 0), dispatch_id),
                )
                if scanned:
                    break
            return scanned

    async def set_dispatch_status(
        self,
        dispatch_id: int,
        status: DispatchStatus,
        audit: AuditRecord | None,
        note: str | None = None,
        only_from: DispatchStatus | None = None,
    ) -> Dispatch:
        finished = (
            time.time() if status in (DispatchStatus.done, DispatchStatus.cancelled) else None
        )
        guard, guard_params = ("AND status = ?", [str(only_from)]) if only_from else ("", [])
        async with self._tx() as db:
            cursor = await db.execute(
                "UPDATE dispatches SET status = ?, finished_at = COALESCE(?, finished_at), "
                f"note = COALESCE(?, note) WHERE id = ? {guard}",
                (str(status), finished, note, dispatch_id, *guard_params),
            )
            changed = cursor.rowcount > 0
            if changed and audit is not None:
                await self._append_audit(db, audit)
            rows = list(
                await db.execute_fetchall(
                    f"SELECT {_DISPATCH_COLS} FROM dispatches WHERE id = ?", (dispatch_id,)
                )
            )
        if not rows:
            raise NotFound(f"dispatch {dispatch_id} does not exist")
        return _dispatch(tuple(rows[0]))

    async def has_outstanding(self, dispatch_id: int) -> bool:
        rows = await self._fetch(
            "SELECT EXISTS (SELECT 1 FROM deliveries WHERE dispatch_id = ? "
            "AND status IN ('queued', 'sending'))",  # probes ix_deliveries_open
            (dispatch_id,),
        )
        return bool(rows[0][0])

    async def dispatch_progress(self, dispatch_id: int, by_channel: bool = False) -> Progress:
        planned = await self._fetch("SELECT planned FROM dispatches WHERE id = ?", (dispatch_id,))
        if not planned:
            raise NotFound(f"dispatch {dispatch_id} does not exist")
        rows = await self._fetch(
            "SELECT status, COUNT(*) FROM deliveries WHERE dispatch_id = ? GROUP BY status",
            (dispatch_id,),
        )
        channels: dict[str, dict[str, int]] = {}
        if by_channel:
            for channel, status, count in await self._fetch(
                "SELECT g.channel, d.status, COUNT(*) FROM deliveries d "
                "JOIN groups g ON g.id = d.group_id WHERE d.dispatch_id = ? "
                "GROUP BY g.channel, d.status",
                (dispatch_id,),
            ):
                channels.setdefault(str(channel), {})[str(status)] = int(count)
        return Progress(
            dispatch_id, int(planned[0][0]), {str(r[0]): int(r[1]) for r in rows}, channels
        )

    # -- deliveries ------------------------------------------------------------------------
    async def claim_deliveries(
        self, account: str, limit: int, now: float, min_rank: int = 0
    ) -> list[ClaimedDelivery]:
        async with self._tx() as db:
            rows = list(
                await db.execute_fetchall(
                    "SELECT d.id, d.dispatch_id, p.announcement_id, d.group_id, g.address, "
                    "g.language, d.attempts, d.parts_done, g.status, d.provider_ids, "
                    "p.content_hash "
                    "FROM deliveries d JOIN groups g ON g.id = d.group_id "
                    "JOIN dispatches p ON p.id = d.dispatch_id "
                    "WHERE d.account = ? AND d.status = 'queued' AND d.next_at <= ? "
                    "AND d.rank >= ? ORDER BY d.rank DESC, d.id LIMIT ?",
                    (account, now, min_rank, limit),
                )
            )
            if rows:
                # one set-based UPDATE costs half of an executemany per row; the ids are
                # integers read from the database just above, so inlining them is safe
                ids = ",".join(str(int(r[0])) for r in rows)
                await db.execute(
                    f"UPDATE deliveries SET status = 'sending', updated_at = ? WHERE id IN ({ids})",
                    (time.time(),),
                )
        status = _GROUP_STATUS
        return [
            ClaimedDelivery(
                r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], status[r[8]], r[9], r[10]
            )
            for r in rows
        ]

    async def record_outcomes(self, outcomes: Sequence[Outcome]) -> None:
        if not outcomes:
            return
        stamp = time.time()
        # plain assignments only: an expression per column (COALESCE, CASE) doubles the cost
        # per row, and this statement runs once for every delivery
        final = [o for o in outcomes if o.next_at is None]
        later = [o for o in outcomes if o.next_at is not None]
        async with self._tx() as db:
            if final:
                await db.executemany(
                    "UPDATE deliveries SET status = ?, attempts = ?, parts_done = ?, "
                    "provider_ids = ?, error = ?, updated_at = ?, held_reason = NULL, "
                    "held_until = NULL WHERE id = ?",
                    [
                        (
                            str(o.status),
                            o.attempts,
                            o.parts_done,
                            o.provider_ids,
                            o.error,
                            stamp,
                            o.id,
                        )
                        for o in final
                    ],
                )
            if later:
                await db.executemany(
                    "UPDATE deliveries SET status = ?, attempts = ?, parts_done = ?, next_at = ?, "
                    "provider_ids = ?, error = ?, updated_at = ?, held_reason = ?, held_until = ? "
                    "WHERE id = ?",
                    [
                        (
                            str(o.status),
                            o.attempts,
                            o.parts_done,
                            o.next_at,
                            o.provider_ids,
                            o.error,
                            stamp,
                            o.held_reason,
                            o.held_until,
                            o.id,
                        )
                        for o in later
                    ],
                )

    async def requeue_in_flight(self, account: str | None = None) -> int:
        where, params = ("AND account = ?", [account]) if account else ("", [])
        async with self._tx() as db:
            cursor = await db.execute(
                "UPDATE deliveries SET status = 'queued', updated_at = ? "
                f"WHERE status IN ('queued', 'sending') AND status = 'sending' {where}",
                [time.time(), *params],
            )
            return max(cursor.rowcount, 0)

    async def cancel_deliveries(self, dispatch_id: int, reason: str) -> int:
        async with self._tx() as db:
            cursor = await db.execute(
                "UPDATE deliveries SET status = 'cancelled', error = ?, updated_at = ? "
                "WHERE dispatch_id = ? AND status = 'queued'",
                (reason, time.time(), dispatch_id),
            )
            return max(cursor.rowcount, 0)

    async def next_due(self, account: str, min_rank: int = 0) -> float | None:
        rows = await self._fetch(
            "SELECT MIN(next_at) FROM deliveries WHERE account = ? AND status = 'queued' "
            "AND rank >= ?",
            (account, min_rank),
        )
        return None if rows[0][0] is None else float(rows[0][0])

    async def accounts_with_work(self) -> list[str]:
        rows = await self._fetch(
            "SELECT DISTINCT account FROM deliveries WHERE status IN ('queued', 'sending')"
        )
        return [str(r[0]) for r in rows]

    async def queue_depth(self) -> dict[tuple[str, str], int]:
        depth: dict[tuple[str, str], int] = {}
        # each query is written to match a partial index (queued: the claim index; sending: the
        # open-deliveries index), so neither scans finished rows
        queries = {
            "queued": "SELECT account, COUNT(*) FROM deliveries WHERE status = 'queued' "
            "GROUP BY account",
            "sending": "SELECT account, COUNT(*) FROM deliveries "
            "WHERE status IN ('queued', 'sending') AND status = 'sending' GROUP BY account",
        }
        for status, sql in queries.items():
            rows = await self._fetch(sql)
            depth.update({(str(r[0]), status): int(r[1]) for r in rows})
        return depth
