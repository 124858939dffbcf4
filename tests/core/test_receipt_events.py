"""Status receipts (two or three per message of a broadcast) apply idempotently with one write
each: a redelivered or late status changes nothing, and none leaves a deduplication row
(issue 10, point 17: the receipts' writes slowed the broadcast they report on)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from broadcaster.adapter import InboundEvent
from tests.core.harness import rig


def status(event_id: str, value: str) -> InboundEvent:
    return InboundEvent(
        kind="status",
        account="scripted",
        event_id=event_id,
        data={"message_id": "wamid.A", "status": value},
    )


async def test_receipts_apply_once_in_order_without_event_rows(tmp_path: Path) -> None:
    async with rig(tmp_path, start=False) as r:
        store, inbox = r.app.store, r.engine.inbox
        steps = [
            ("1", "sent", "sent"),
            ("2", "delivered", "delivered"),
            ("2", "delivered", "delivered"),  # redelivered
            ("1", "sent", "delivered"),  # late and redelivered: never moves back
            ("3", "read", "read"),
            ("3", "read", "read"),
        ]
        for event_id, value, expected in steps:
            assert await inbox.handle(status(event_id, value))
            assert await store.receipt_status("scripted", "wamid.A") == expected
    with sqlite3.connect(tmp_path / "broadcaster.db") as db:
        (rows,) = db.execute("SELECT COUNT(*) FROM inbound_events").fetchone()
    assert rows == 0
