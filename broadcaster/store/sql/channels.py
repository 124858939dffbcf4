""":class:`~broadcaster.store.contract.channels.ChannelStore` — provider receipts, messaging
windows, the latest poll per group — the SQL of both engines. ``record_sent_messages`` (a
batched write) is written per engine (``writes.py`` of each), on :data:`FAIL_DELIVERY`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..contract.channels import RECEIPT_ORDER
from ..records import PollRef
from .base import SqlBase
from .rows import POLL_COLS, poll_of

#: fail a delivery whose message a "failed" receipt names; parameters: error, at, delivery id
FAIL_DELIVERY = "UPDATE deliveries SET status = 'failed', error = ?, updated_at = ? WHERE id = ?"


class ChannelSql(SqlBase):
    """Provider receipts and per-recipient windows."""

    async def apply_receipt(
        self, account: str, message_id: str, status: str, at: float, error: str | None = None
    ) -> int | None:
        rank = RECEIPT_ORDER.get(status)
        if rank is None:
            raise ValueError(f"unknown receipt status {status!r}; use one of {list(RECEIPT_ORDER)}")
        async with self._tx() as db:
            # the row lock orders receipts of one message arriving at several web processes
            rows = await db.fetch(
                "SELECT delivery_id, status FROM provider_messages "
                f"WHERE account = ? AND message_id = ?{self.dialect.for_update}",
                (account, message_id),
            )
            if not rows:
                # ahead of the sender's write of the id: kept, joined when the id arrives
                await db.execute(
                    "INSERT INTO provider_messages(account, message_id, status, error, "
                    "updated_at) VALUES (?,?,?,?,?) "
                    "ON CONFLICT (account, message_id) DO NOTHING",
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
                await db.execute(FAIL_DELIVERY, (f"provider: {error or 'failed'}", at, delivery_id))
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
                "INSERT INTO inbound_windows VALUES (?,?,?) ON CONFLICT (account, address) "
                f"DO UPDATE SET last_at = {self.dialect.greatest}(inbound_windows.last_at, "
                "excluded.last_at)",
                (account, address, at),
            )

    async def last_inbound(self, account: str, address: str) -> float | None:
        rows = await self._fetch(
            "SELECT last_at FROM inbound_windows WHERE account = ? AND address = ?",
            (account, address),
        )
        return float(rows[0][0]) if rows else None

    async def keep_pending_report(
        self,
        account: str,
        key: str,
        kind: str,
        at: float,
        data: Mapping[str, Any],
        forget_before: float,
    ) -> None:
        async with self._tx() as db:
            await db.execute("DELETE FROM pending_reports WHERE at < ?", (forget_before,))
            await db.execute(
                "INSERT INTO pending_reports VALUES (?,?,?,?,?) ON CONFLICT (account, key, kind) "
                "DO UPDATE SET at = excluded.at, data = excluded.data",
                (account, key, kind, at, json.dumps(dict(data), ensure_ascii=False)),
            )

    async def take_pending_report(
        self, account: str, key: str, kind: str, since: float
    ) -> dict[str, Any] | None:
        async with self._tx() as db:
            rows = await db.fetch(
                "DELETE FROM pending_reports WHERE account = ? AND key = ? AND kind = ? "
                "RETURNING at, data",
                (account, key, kind),
            )
        if not rows or float(rows[0][0]) <= since:
            return None  # none, or too old to pair (and now forgotten)
        found: dict[str, Any] = json.loads(rows[0][1])
        return found

    async def forget_pending_reports(self, before: float) -> int:
        async with self._tx() as db:
            return await db.execute("DELETE FROM pending_reports WHERE at < ?", (before,))

    async def latest_poll(self, account: str, group_id: int) -> PollRef | None:
        rows = await self._fetch(
            f"SELECT {POLL_COLS} FROM polls WHERE account = ? AND group_id = ? "
            f"ORDER BY dispatch_id DESC, poll_id{self.dialect.byte_order} DESC LIMIT 1",
            (account, group_id),
        )
        return poll_of(rows[0]) if rows else None
