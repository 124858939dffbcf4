"""Holds, daily send counts and delivery reasons (issue 10): the SQL of
:class:`~..contract.holds.HoldStore` and of the daily counts of
:class:`~..contract.channels.ChannelStore`."""

from __future__ import annotations

import time
from typing import Any

from ..contract.holds import DeliveryProblem, ReasonCount
from .base import Row, SqlBase

RELEASE = (
    "UPDATE deliveries SET next_at = ?, updated_at = ?, held_reason = NULL, held_until = NULL "
    "WHERE held_reason IS NOT NULL AND status = 'queued'"
)
HOLD = (
    "UPDATE deliveries SET held_reason = ?, held_until = ?, next_at = ?, updated_at = ? "
    "WHERE account = ? AND status = 'queued' AND next_at < ?"
)
TAKE_SLOT = (
    "INSERT INTO daily_counts(account, day, sent) VALUES (?, ?, 1) "
    "ON CONFLICT (account, day) DO UPDATE SET sent = daily_counts.sent + 1 "
    "WHERE daily_counts.sent < ?"
)
DAILY_SENT = "SELECT sent FROM daily_counts WHERE account = ? AND day = ?"
REASONS = (
    "SELECT 'held', held_reason, COUNT(*), MAX(held_until) FROM deliveries "
    "WHERE dispatch_id = ? AND held_reason IS NOT NULL AND status = 'queued' "
    "GROUP BY held_reason "
    "UNION ALL "
    "SELECT 'failed', COALESCE(error, 'unknown'), COUNT(*), NULL FROM deliveries "
    "WHERE dispatch_id = ? AND status = 'failed' GROUP BY error"
)
PROBLEMS = (
    "SELECT d.id, d.group_id, g.title, g.address, g.channel, d.account, d.status, "
    "d.held_reason, d.held_until, d.error "
    "FROM deliveries d JOIN groups g ON g.id = d.group_id "
    "WHERE d.dispatch_id = ? AND (d.status = 'failed' OR (d.status = 'queued' "
    "AND (d.held_reason IS NOT NULL OR ?))) ORDER BY d.id LIMIT ?"
)


class HoldsSql(SqlBase):
    async def _write(self, sql: str, params: tuple[Any, ...]) -> int:
        async with self._tx() as db:
            return await db.execute(sql, params)

    async def hold_queued(
        self, account: str, reason: str, until: float | None, next_at: float
    ) -> int:
        return await self._write(HOLD, (reason, until, next_at, time.time(), account, next_at))

    async def release_holds(self, account: str | None = None) -> int:
        now = time.time()
        if account is None:
            return await self._write(RELEASE, (now, now))
        return await self._write(RELEASE + " AND account = ?", (now, now, account))

    async def take_daily_slot(self, account: str, day: str, cap: int) -> bool:
        if cap <= 0:
            return False
        return await self._write(TAKE_SLOT, (account, day, cap)) > 0

    async def daily_sent(self, account: str, day: str) -> int:
        rows = await self._fetch(DAILY_SENT, (account, day))
        return int(rows[0][0]) if rows else 0

    async def delivery_reasons(self, dispatch_id: int) -> list[ReasonCount]:
        rows = await self._fetch(REASONS, (dispatch_id, dispatch_id))
        found = [
            ReasonCount(str(r[0]), str(r[1]), int(r[2]), None if r[3] is None else float(r[3]))
            for r in rows
        ]
        return sorted(found, key=lambda c: (-c.count, c.state, c.reason))

    async def delivery_problems(
        self, dispatch_id: int, limit: int, include_queued: bool = False
    ) -> list[DeliveryProblem]:
        rows = await self._fetch(PROBLEMS, (dispatch_id, include_queued, limit))
        return [_problem(r) for r in rows]


def _problem(r: Row) -> DeliveryProblem:
    status, held = str(r[6]), r[7]
    state = "failed" if status == "failed" else ("held" if held is not None else "queued")
    reason = str(held) if held is not None else (None if r[9] is None else str(r[9]))
    if state == "queued":
        reason = None
    return DeliveryProblem(
        int(r[0]),
        int(r[1]),
        str(r[2] or ""),
        str(r[3]),
        str(r[4]),
        str(r[5]),
        state,
        reason,
        None if r[8] is None else float(r[8]),
    )
