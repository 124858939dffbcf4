"""Dispatches, planning and deliveries on PostgreSQL: the hot path of a broadcast.

Many sender processes share these tables. Claims take rows with ``FOR UPDATE SKIP LOCKED``, so
two processes never claim the same delivery and never wait on each other's claims; planning
locks the dispatch row, so its cursor advances one batch at a time whoever plans. Every change
that creates work (a new dispatch, planned or requeued deliveries) sends a NOTIFY on the store's
channel when it commits, which wakes idle processes instead of making them poll.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import asyncpg

from content.model import Priority

from ...errors import NotFound
from ...regions import subtree_bounds
from ..records import (
    AuditRecord,
    ClaimedDelivery,
    Dispatch,
    DispatchStatus,
    GroupStatus,
    Outcome,
    Progress,
)
from ..sqlite.dispatch import _DISPATCH_COLS, _roots, _target_filter
from ..sqlite.dispatch import _dispatch as _sqlite_dispatch
from .base import PgBase, affected, q
from .directory import with_object

_GROUP_STATUS = {s.value: s for s in GroupStatus}

WORK_PLAN = "plan"  # a dispatch waits for planning
WORK_SEND = "send"  # deliveries were queued (payload: "send" or "send:<account>")


def dispatch_of(row: Any) -> Dispatch:
    return _sqlite_dispatch(tuple(row))


class DispatchMixin(PgBase):
    @property
    def channel(self) -> str:
        """The LISTEN/NOTIFY channel of this store (one per schema)."""
        return f"broadcaster_{self.schema}"

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
            try:
                row = await db.fetchrow(
                    "INSERT INTO dispatches(announcement_id, schedule_id, fire_key, priority, "
                    "rank, content_hash, target, status, cursor, created_by, created_at) "
                    "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) "
                    f"ON CONFLICT (fire_key) DO NOTHING RETURNING {_DISPATCH_COLS}",
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
                )
            except asyncpg.ForeignKeyViolationError as exc:
                raise NotFound(
                    f"announcement {announcement_id} or schedule {schedule_id} does not exist"
                ) from exc
            if row is None:
                return None  # this fire key was used before (by any process)
            await self._append_audit(db, with_object(audit, int(row[0])))
            await db.execute("SELECT pg_notify($1, $2)", self.channel, WORK_PLAN)
        return dispatch_of(row)

    async def get_dispatch(self, dispatch_id: int) -> Dispatch:
        rows = await self._fetch(
            f"SELECT {_DISPATCH_COLS} FROM dispatches WHERE id = ?", (dispatch_id,)
        )
        if not rows:
            raise NotFound(f"dispatch {dispatch_id} does not exist")
        return dispatch_of(rows[0])

    async def list_dispatches(
        self,
        statuses: Sequence[DispatchStatus] = (),
        announcement_id: int | None = None,
        limit: int = 100,
    ) -> list[Dispatch]:
        clauses: list[str] = []
        params: list[Any] = []
        if statuses:
            clauses.append("status = ANY(?::text[])")
            params.append([str(s) for s in statuses])
        if announcement_id is not None:
            clauses.append("announcement_id = ?")
            params.append(announcement_id)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = await self._fetch(
            f"SELECT {_DISPATCH_COLS} FROM dispatches {where} ORDER BY id DESC LIMIT ?",
            [*params, limit],
        )
        return [dispatch_of(r) for r in rows]

    async def next_dispatch_to_plan(self) -> Dispatch | None:
        rows = await self._fetch(
            f"SELECT {_DISPATCH_COLS} FROM dispatches WHERE status = 'planning' "
            "ORDER BY rank DESC, id LIMIT 1"
        )
        return dispatch_of(rows[0]) if rows else None

    async def plan_batch(self, dispatch_id: int, batch: int) -> int:
        if batch < 1:
            raise ValueError(f"batch must be at least 1, got {batch}")
        async with self._tx() as db:
            # the row lock makes planners in other processes wait for this batch's cursor
            row = await db.fetchrow(
                "SELECT target, cursor, rank, status FROM dispatches WHERE id = $1 FOR UPDATE",
                dispatch_id,
            )
            if row is None:
                raise NotFound(f"dispatch {dispatch_id} does not exist")
            if row[3] != DispatchStatus.planning.value:
                return 0  # cancelled (or finished) meanwhile: plan nothing more
            target = json.loads(row[0])
            cursor = json.loads(row[1])
            rank = int(row[2])
            regions = _roots(list(target.get("regions") or []))
            predicate, params = _target_filter(target)
            scanned = inserted = 0
            while cursor["r"] < len(regions):
                low, high = subtree_bounds(regions[cursor["r"]])
                now = time.time()
                # one statement: read the next page of the subtree in (region, id) order,
                # insert the deliveries of the matching groups, report the page's size and end
                result = await db.fetchrow(
                    q(
                        "WITH page AS (SELECT id, region, account, status, region_level, kind, "
                        "channel FROM groups WHERE region >= ? AND region < ? "
                        "AND (region, id) > (?, ?) ORDER BY region, id LIMIT ?), "
                        "ins AS (INSERT INTO deliveries(dispatch_id, group_id, account, rank, "
                        "status, next_at, updated_at) "
                        "SELECT ?, id, account, ?, 'queued', ?, ? FROM page "
                        f"WHERE {predicate} ON CONFLICT (dispatch_id, group_id) DO NOTHING "
                        "RETURNING 1), "
                        "last AS (SELECT region, id FROM page ORDER BY region DESC, id DESC "
                        "LIMIT 1) "
                        "SELECT (SELECT COUNT(*) FROM page), (SELECT COUNT(*) FROM ins), "
                        "(SELECT region FROM last), (SELECT id FROM last)"
                    ),
                    max(low, cursor["code"]),
                    high,
                    cursor["code"],
                    cursor["id"],
                    batch,
                    dispatch_id,
                    rank,
                    now,
                    now,
                    *params,
                )
                assert result is not None
                page, added = int(result[0]), int(result[1])
                scanned += page
                inserted += added
                if page == batch:
                    cursor = {"r": cursor["r"], "code": str(result[2]), "id": int(result[3])}
                else:
                    cursor = {"r": cursor["r"] + 1, "code": "", "id": 0}
                await db.execute(
                    "UPDATE dispatches SET cursor = $1, planned = planned + $2 WHERE id = $3",
                    json.dumps(cursor),
                    added,
                    dispatch_id,
                )
                if scanned:
                    break
            if inserted:
                await db.execute("SELECT pg_notify($1, $2)", self.channel, WORK_SEND)
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
            changed = await db.fetchval(
                q(
                    "UPDATE dispatches SET status = ?, finished_at = COALESCE(?, finished_at), "
                    f"note = COALESCE(?, note) WHERE id = ? {guard} RETURNING 1"
                ),
                str(status),
                finished,
                note,
                dispatch_id,
                *guard_params,
            )
            if changed and audit is not None:
                await self._append_audit(db, audit)
            row = await db.fetchrow(
                f"SELECT {_DISPATCH_COLS} FROM dispatches WHERE id = $1", dispatch_id
            )
        if row is None:
            raise NotFound(f"dispatch {dispatch_id} does not exist")
        return dispatch_of(row)

    async def has_outstanding(self, dispatch_id: int) -> bool:
        rows = await self._fetch(
            "SELECT EXISTS (SELECT 1 FROM deliveries WHERE dispatch_id = ? "
            "AND status IN ('queued', 'sending'))",
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
            rows = await db.fetch(
                "WITH c AS (SELECT id FROM deliveries WHERE account = $1 AND status = 'queued' "
                "AND next_at <= $2 AND rank >= $3 ORDER BY rank DESC, id LIMIT $4 "
                "FOR UPDATE SKIP LOCKED), "
                "u AS (UPDATE deliveries d SET status = 'sending', updated_at = $5 FROM c "
                "WHERE d.id = c.id RETURNING d.id, d.dispatch_id, d.group_id, d.attempts, "
                "d.parts_done, d.provider_ids, d.rank) "
                "SELECT u.id, u.dispatch_id, p.announcement_id, u.group_id, g.address, "
                "g.language, u.attempts, u.parts_done, g.status, u.provider_ids, p.content_hash "
                "FROM u JOIN groups g ON g.id = u.group_id "
                "JOIN dispatches p ON p.id = u.dispatch_id ORDER BY u.rank DESC, u.id",
                account,
                now,
                min_rank,
                limit,
                time.time(),
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
        requeued = any(o.status.value == "queued" for o in outcomes)
        async with self._tx() as db:
            # one set-based UPDATE from arrays: a statement per row costs a round trip each
            await db.execute(
                "UPDATE deliveries d SET status = o.status, attempts = o.attempts, "
                "parts_done = o.parts_done, next_at = COALESCE(o.next_at, d.next_at), "
                "provider_ids = o.provider_ids, error = o.error, updated_at = $8, "
                "held_reason = o.held_reason, held_until = o.held_until "
                "FROM unnest($1::bigint[], $2::text[], $3::int[], $4::int[], "
                "$5::float8[], $6::text[], $7::text[], $9::text[], $10::float8[]) "
                "AS o(id, status, attempts, parts_done, next_at, provider_ids, error, "
                "held_reason, held_until) "
                "WHERE d.id = o.id",
                [o.id for o in outcomes],
                [str(o.status) for o in outcomes],
                [o.attempts for o in outcomes],
                [o.parts_done for o in outcomes],
                [o.next_at for o in outcomes],
                [o.provider_ids for o in outcomes],
                [o.error for o in outcomes],
                stamp,
                [o.held_reason for o in outcomes],
                [o.held_until for o in outcomes],
            )
            if requeued:
                await db.execute("SELECT pg_notify($1, $2)", self.channel, WORK_SEND)

    async def requeue_in_flight(self, account: str | None = None) -> int:
        where, params = ("AND account = ?", [account]) if account else ("", [])
        async with self._tx() as db:
            status = await db.execute(
                q(
                    "UPDATE deliveries SET status = 'queued', updated_at = ? "
                    f"WHERE status = 'sending' {where}"
                ),
                time.time(),
                *params,
            )
            count = affected(status)
            if count:
                await db.execute("SELECT pg_notify($1, $2)", self.channel, WORK_SEND)
            return count

    async def cancel_deliveries(self, dispatch_id: int, reason: str) -> int:
        async with self._tx() as db:
            status = await db.execute(
                "UPDATE deliveries SET status = 'cancelled', error = $1, updated_at = $2 "
                "WHERE dispatch_id = $3 AND status = 'queued'",
                reason,
                time.time(),
                dispatch_id,
            )
            return affected(status)

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
        rows = await self._fetch(
            "SELECT account, status, COUNT(*) FROM deliveries "
            "WHERE status IN ('queued', 'sending') GROUP BY account, status"
        )
        return {(str(r[0]), str(r[1])): int(r[2]) for r in rows}
