"""SQLite side of :class:`~broadcaster.store.contract_channels.ChannelStore`."""

from __future__ import annotations

import time
from collections.abc import Sequence

from ..contract_channels import RECEIPT_ORDER
from ..records import PollRef
from .base import SqliteBase


class ChannelMixin(SqliteBase):
    """Provider receipts and per-recipient windows."""

    async def record_sent_messages(self, account: str, rows: Sequence[tuple[str, int]]) -> None:
        if not rows:
            return
        now = time.time()
        async with self._tx() as db:
            await db.executemany(
                "INSERT INTO provider_messages(account, message_id, delivery_id, updated_at) "
                "VALUES (?,?,?,?) ON CONFLICT(account, message_id) "
                "DO UPDATE SET delivery_id = excluded.delivery_id",
                [(account, mid, delivery, now) for mid, delivery in rows],
            )
            # a "failed" receipt that arrived before the id was written fails its delivery now
            for start in range(0, len(rows), 500):
                chunk = [mid for mid, _ in rows[start : start + 500]]
                marks = ",".join("?" * len(chunk))
                await db.execute(
                    "UPDATE deliveries SET status = 'failed', updated_at = ?, "
                    "error = (SELECT 'provider: ' || COALESCE(m.error, 'failed') "
                    "FROM provider_messages m WHERE m.delivery_id = deliveries.id "
                    "AND m.status = 'failed' LIMIT 1) "
                    "WHERE id IN (SELECT delivery_id FROM provider_messages WHERE account = ? "
                    f"AND status = 'failed' AND message_id IN ({marks}))",
                    (now, account, *chunk),
                )

    async def apply_receipt(
        self, account: str, message_id: str, status: str, at: float, error: str | None = None
    ) -> int | None:
        rank = RECEIPT_ORDER.get(status)
        if rank is None:
            raise ValueError(f"unknown receipt status {status!r}; use one of {list(RECEIPT_ORDER)}")
        async with self._tx() as db:
            rows = list(
                await db.execute_fetchall(
                    "SELECT delivery_id, status FROM provider_messages "
                    "WHERE account = ? AND message_id = ?",
                    (account, message_id),
                )
            )
            if not rows:
                await db.execute(
                    "INSERT INTO provider_messages(account, message_id, status, error, "
                    "updated_at) VALUES (?,?,?,?,?)",
                    (account, message_id, status, error, at),
                )
                return None
            delivery_id = None if rows[0][0] is None else int(rows[0][0])
            if RECEIPT_ORDER.get(str(rows[0][1]), 0) >= rank:
                return delivery_id
            await db.execute(
                "UPDATE provider_messages SET status = ?, error = ?, updated_at = ? "
                "WHERE account = ? AND message_id = ?",
                (status, error, at, account, message_id),
            )
            if status == "failed" and delivery_id is not None:
                await db.execute(
                    "UPDATE deliveries SET status = 'failed', error = ?, updated_at = ? "
                    "WHERE id = ?",
                    (f"provider: {error or 'failed'}", at, delivery_id),
                )
        return delivery_id

    async def receipt_status(self, account: str, message_id: str) -> str | None:
        rows = await self._fetch(
            "SELECT status FROM provider_messages WHERE account = ? AND message_id = ?",
            (account, message_id),
        )
        return str(rows[0][0]) if rows else None

    async def receipt_counts(self, dispatch_id: int) -> dict[str, int]:
        rows = await self._fetch(
            "SELECT m.status, COUNT(*) FROM provider_messages m "
            "JOIN deliveries d ON d.id = m.delivery_id WHERE d.dispatch_id = ? GROUP BY m.status",
            (dispatch_id,),
        )
        return {str(r[0]): int(r[1]) for r in rows}

    async def touch_window(self, account: str, address: str, at: float) -> None:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO inbound_windows VALUES (?,?,?) ON CONFLICT(account, address) "
                "DO UPDATE SET last_at = MAX(last_at, excluded.last_at)",
                (account, address, at),
            )

    async def last_inbound(self, account: str, address: str) -> float | None:
        rows = await self._fetch(
            "SELECT last_at FROM inbound_windows WHERE account = ? AND address = ?",
            (account, address),
        )
        return float(rows[0][0]) if rows else None

    async def latest_poll(self, account: str, group_id: int) -> PollRef | None:
        rows = await self._fetch(
            "SELECT account, poll_id, announcement_id, dispatch_id, group_id FROM polls "
            "WHERE account = ? AND group_id = ? ORDER BY dispatch_id DESC, poll_id DESC LIMIT 1",
            (account, group_id),
        )
        if not rows:
            return None
        r = rows[0]
        return PollRef(r[0], r[1], int(r[2]), int(r[3]), int(r[4]))
