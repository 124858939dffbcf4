"""PostgreSQL side of :class:`~broadcaster.store.contract_channels.ChannelStore`."""

from __future__ import annotations

import time
from collections.abc import Sequence

from ..contract_channels import RECEIPT_ORDER
from ..records import PollRef
from .base import PgBase


class ChannelMixin(PgBase):
    """Provider receipts and per-recipient windows."""

    async def record_sent_messages(self, account: str, rows: Sequence[tuple[str, int]]) -> None:
        if not rows:
            return
        ids = [mid for mid, _ in rows]
        now = time.time()
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO provider_messages(account, message_id, delivery_id, updated_at) "
                "SELECT $1, m, d, $4 FROM unnest($2::text[], $3::bigint[]) AS u(m, d) "
                "ON CONFLICT (account, message_id) "
                "DO UPDATE SET delivery_id = excluded.delivery_id",
                account,
                ids,
                [delivery for _, delivery in rows],
                now,
            )
            # a "failed" receipt that arrived before the id was written fails its delivery now
            await db.execute(
                "UPDATE deliveries d SET status = 'failed', updated_at = $1, "
                "error = 'provider: ' || COALESCE(m.error, 'failed') FROM provider_messages m "
                "WHERE m.delivery_id = d.id AND m.account = $2 AND m.status = 'failed' "
                "AND m.message_id = ANY($3::text[])",
                now,
                account,
                ids,
            )

    async def apply_receipt(
        self, account: str, message_id: str, status: str, at: float, error: str | None = None
    ) -> int | None:
        rank = RECEIPT_ORDER.get(status)
        if rank is None:
            raise ValueError(f"unknown receipt status {status!r}; use one of {list(RECEIPT_ORDER)}")
        async with self._tx() as db:
            # the row lock orders receipts of one message arriving at several web processes
            row = await db.fetchrow(
                "SELECT delivery_id, status FROM provider_messages "
                "WHERE account = $1 AND message_id = $2 FOR UPDATE",
                account,
                message_id,
            )
            if row is None:
                # ahead of the sender's write of the id: kept, joined when the id arrives
                await db.execute(
                    "INSERT INTO provider_messages(account, message_id, status, error, "
                    "updated_at) VALUES ($1, $2, $3, $4, $5) "
                    "ON CONFLICT (account, message_id) DO NOTHING",
                    account,
                    message_id,
                    status,
                    error,
                    at,
                )
                return None
            delivery_id = None if row[0] is None else int(row[0])
            if RECEIPT_ORDER.get(str(row[1]), 0) >= rank:
                return delivery_id
            await db.execute(
                "UPDATE provider_messages SET status = $1, error = $2, updated_at = $3 "
                "WHERE account = $4 AND message_id = $5",
                status,
                error,
                at,
                account,
                message_id,
            )
            if status == "failed" and delivery_id is not None:
                await db.execute(
                    "UPDATE deliveries SET status = 'failed', error = $1, updated_at = $2 "
                    "WHERE id = $3",
                    f"provider: {error or 'failed'}",
                    at,
                    delivery_id,
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
                "INSERT INTO inbound_windows VALUES ($1,$2,$3) ON CONFLICT (account, address) "
                "DO UPDATE SET last_at = GREATEST(inbound_windows.last_at, excluded.last_at)",
                account,
                address,
                at,
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
            "WHERE account = ? AND group_id = ? "
            'ORDER BY dispatch_id DESC, poll_id COLLATE "C" DESC LIMIT 1',
            (account, group_id),
        )
        if not rows:
            return None
        r = rows[0]
        return PollRef(r[0], r[1], int(r[2]), int(r[3]), int(r[4]))
