"""Dispatches and deliveries: the SQL of both engines. Planning, claiming and recording
outcomes — the hot path of a broadcast — are written per engine (``writes.py`` of each), on
the helpers here."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from content.levels import Priority

from ...errors import NotFound
from ...regions import is_within, subtree_bounds
from ..records import AuditRecord, ClaimedDelivery, Dispatch, DispatchStatus, GroupStatus, Progress
from .base import WORK_PLAN, WORK_SEND, Row, SqlBase, marks, with_object
from .rows import DISPATCH_COLS, dispatch_of

GROUP_STATUS = {s.value: s for s in GroupStatus}
#: the columns of a claimed delivery (aliases: d deliveries, g groups, p dispatches)
CLAIM_COLS = (
    "d.id, d.dispatch_id, p.announcement_id, d.group_id, g.address, g.language, d.attempts, "
    "d.parts_done, g.status, d.provider_ids, p.content_hash"
)


def claimed(rows: Sequence[Row]) -> list[ClaimedDelivery]:
    """Claimed deliveries from rows of :data:`CLAIM_COLS`."""
    status = GROUP_STATUS  # (ids_of inlined: this runs once per delivery)
    return [
        ClaimedDelivery(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            r[7],
            status[r[8]],
            tuple(r[9].split(",")) if r[9] else (),
            r[10],
        )
        for r in rows
    ]


def ids_of(stored: str | None) -> tuple[str, ...]:
    """Provider message ids as stored (comma-joined text, NULL for none)."""
    return tuple(stored.split(",")) if stored else ()


def stored_ids(ids: Sequence[str]) -> str | None:
    """Provider message ids as the deliveries table stores them (see :func:`ids_of`)."""
    return ",".join(ids) or None


def target_filter(target: dict[str, Any]) -> tuple[str, list[Any]]:
    """Everything but the region range: active groups, levels, kinds, channels, exclusions."""
    clauses = ["status = 'active'"]
    params: list[Any] = []
    for column, key in (("region_level", "levels"), ("kind", "kinds"), ("channel", "channels")):
        values = [str(v) for v in target.get(key) or []]
        if values:
            clauses.append(f"{column} IN ({marks(values)})")
            params += values
    for code in target.get("exclude") or []:
        low, high = subtree_bounds(code)
        clauses.append("NOT (region >= ? AND region < ?)")
        params += [low, high]
    reached = [int(d) for d in target.get("reached_by") or []]
    if reached:
        # a notice to exactly the groups earlier dispatches reached (probes the unique
        # (dispatch_id, group_id) key of deliveries)
        clauses.append(
            f"id IN (SELECT group_id FROM deliveries WHERE dispatch_id IN ({marks(reached)}) "
            "AND status = 'sent')"
        )
        params += reached
    return " AND ".join(clauses), params


def roots(codes: Sequence[str]) -> list[str]:
    """The target regions without those inside another target region, in code order.

    ``["3671", "36", "3671"]`` plans as ``["36"]``: overlapping subtrees would otherwise be read
    (and their deliveries offered) twice. In code order an ancestor comes right before its
    subtree, so comparing with the last root kept is enough.
    """
    kept: list[str] = []
    for code in sorted(set(codes)):
        if not (kept and is_within(code, kept[-1])):
            kept.append(code)
    return kept


class DispatchSql(SqlBase):
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
                rows = await db.fetch(
                    "INSERT INTO dispatches(announcement_id, schedule_id, fire_key, priority, "
                    "rank, content_hash, target, status, cursor, created_by, created_at) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?) "
                    f"ON CONFLICT (fire_key) DO NOTHING RETURNING {DISPATCH_COLS}",
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
            except db.foreign_key as exc:
                raise NotFound(
                    f"announcement {announcement_id} or schedule {schedule_id} does not exist"
                ) from exc
            if not rows:
                return None  # this fire key was used before (by any process)
            await self._append_audit(db, with_object(audit, int(rows[0][0])))
            await self._notify(db, WORK_PLAN)
        return dispatch_of(rows[0])

    async def get_dispatch(self, dispatch_id: int) -> Dispatch:
        rows = await self._fetch(
            f"SELECT {DISPATCH_COLS} FROM dispatches WHERE id = ?", (dispatch_id,)
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
            clauses.append(f"status IN ({marks(statuses)})")
            params += [str(s) for s in statuses]
        if announcement_id is not None:
            clauses.append("announcement_id = ?")
            params.append(announcement_id)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = await self._fetch(
            f"SELECT {DISPATCH_COLS} FROM dispatches {where} ORDER BY id DESC LIMIT ?",
            [*params, limit],
        )
        return [dispatch_of(r) for r in rows]

    async def next_dispatch_to_plan(self) -> Dispatch | None:
        rows = await self._fetch(
            f"SELECT {DISPATCH_COLS} FROM dispatches WHERE status = 'planning' "
            "ORDER BY rank DESC, id LIMIT 1"
        )
        return dispatch_of(rows[0]) if rows else None

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
            changed = await db.execute(
                "UPDATE dispatches SET status = ?, finished_at = COALESCE(?, finished_at), "
                f"note = COALESCE(?, note) WHERE id = ? {guard}",
                (str(status), finished, note, dispatch_id, *guard_params),
            )
            if changed and audit is not None:
                await self._append_audit(db, audit)
            rows = await db.fetch(
                f"SELECT {DISPATCH_COLS} FROM dispatches WHERE id = ?", (dispatch_id,)
            )
        if not rows:
            raise NotFound(f"dispatch {dispatch_id} does not exist")
        return dispatch_of(rows[0])

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
            dispatch_id=dispatch_id,
            planned=int(planned[0][0]),
            by_status={str(r[0]): int(r[1]) for r in rows},
            by_channel=channels,
        )

    # -- deliveries ------------------------------------------------------------------------
    async def requeue_in_flight(self, account: str | None = None) -> int:
        where, params = ("AND account = ?", [account]) if account else ("", [])
        async with self._tx() as db:
            # "status IN (…) AND" matches the partial index of open deliveries (SQLite)
            count = await db.execute(
                "UPDATE deliveries SET status = 'queued', updated_at = ? "
                f"WHERE status IN ('queued', 'sending') AND status = 'sending' {where}",
                [time.time(), *params],
            )
            if count:
                await self._notify(db, WORK_SEND)
            return count

    async def cancel_deliveries(self, dispatch_id: int, reason: str) -> int:
        async with self._tx() as db:
            return await db.execute(
                "UPDATE deliveries SET status = 'cancelled', error = ?, updated_at = ? "
                "WHERE dispatch_id = ? AND status = 'queued'",
                (reason, time.time(), dispatch_id),
            )

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
