"""The SQL of :class:`~broadcaster.store.contract.cap.CapStore` (issue 15): CAP alerts
received and CAP feeds' polling state."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ...errors import Conflict, NotFound
from ..contract.cap import CapAlertRecord, CapFeedState, CapStore, NewCapAlert
from ..records import AuditRecord
from .base import Row, SqlBase, marks, with_object

_COLS = (
    "id, sender, identifier, sent, msg_type, status, feed, received_at, drafted_at, "
    "announcement_id, outcome, notes, xml_sha256, xml"
)


def _alert(r: Row) -> CapAlertRecord:
    return CapAlertRecord(
        id=int(r[0]),
        sender=str(r[1]),
        identifier=str(r[2]),
        sent=str(r[3]),
        msg_type=str(r[4]),
        status=str(r[5]),
        feed=str(r[6]),
        received_at=float(r[7]),
        drafted_at=None if r[8] is None else float(r[8]),
        announcement_id=None if r[9] is None else int(r[9]),
        outcome=str(r[10]),
        notes=tuple(str(n) for n in json.loads(r[11])),
        xml_sha256=str(r[12]),
        xml=str(r[13]),
    )


class CapSql(SqlBase, CapStore):
    async def add_cap_alert(self, alert: NewCapAlert, audit: AuditRecord) -> CapAlertRecord:
        async with self._tx() as db:
            try:
                async with db.savepoint():
                    rows = await db.fetch(
                        "INSERT INTO cap_alerts(sender, identifier, sent, msg_type, status, feed, "
                        "received_at, outcome, notes, xml_sha256, xml) "
                        f"VALUES (?,?,?,?,?,?,?,?,?,?,?) RETURNING {_COLS}",
                        (
                            alert.sender,
                            alert.identifier,
                            alert.sent,
                            alert.msg_type,
                            alert.status,
                            alert.feed,
                            alert.received_at,
                            alert.outcome,
                            json.dumps(list(alert.notes), ensure_ascii=False),
                            alert.xml_sha256,
                            alert.xml,
                        ),
                    )
            except db.duplicate:
                raise Conflict(
                    f"CAP alert {alert.identifier!r} of {alert.sender!r} was received before"
                ) from None
            record = _alert(rows[0])
            await self._append_audit(db, with_object(audit, record.id))
            return record

    async def link_cap_alert(
        self,
        alert_id: int,
        announcement_id: int | None,
        outcome: str,
        notes: Sequence[str],
        drafted_at: float | None,
    ) -> CapAlertRecord:
        async with self._tx() as db:
            rows = await db.fetch(
                "UPDATE cap_alerts SET announcement_id = ?, outcome = ?, notes = ?, "
                f"drafted_at = ? WHERE id = ? RETURNING {_COLS}",
                (
                    announcement_id,
                    outcome,
                    json.dumps(list(notes), ensure_ascii=False),
                    drafted_at,
                    alert_id,
                ),
            )
        if not rows:
            raise NotFound(f"CAP alert {alert_id} does not exist")
        return _alert(rows[0])

    async def find_cap_alert(self, sender: str, identifier: str) -> CapAlertRecord | None:
        rows = await self._fetch(
            f"SELECT {_COLS} FROM cap_alerts WHERE sender = ? AND identifier = ?",
            (sender, identifier),
        )
        return _alert(rows[0]) if rows else None

    async def cap_alert_for_announcement(self, announcement_id: int) -> CapAlertRecord | None:
        found = await self.cap_alerts_for_announcement(announcement_id)
        return found[0] if found else None

    async def cap_alerts_for_announcement(self, announcement_id: int) -> list[CapAlertRecord]:
        rows = await self._fetch(
            f"SELECT {_COLS} FROM cap_alerts WHERE announcement_id = ? ORDER BY id",
            (announcement_id,),
        )
        return [_alert(r) for r in rows]

    async def list_cap_alerts(self, limit: int = 50) -> list[CapAlertRecord]:
        rows = await self._fetch(
            f"SELECT {_COLS} FROM cap_alerts ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [_alert(r) for r in rows]

    async def cap_feed_state(self, name: str) -> CapFeedState:
        rows = await self._fetch(
            "SELECT etag, last_modified, failures, next_poll, last_error, last_ok, last_checked "
            "FROM cap_feeds WHERE name = ?",
            (name,),
        )
        if not rows:
            return CapFeedState(name=name)
        r = rows[0]
        return CapFeedState(
            name=name,
            etag=r[0],
            last_modified=r[1],
            failures=int(r[2]),
            next_poll=float(r[3]),
            last_error=r[4],
            last_ok=None if r[5] is None else float(r[5]),
            last_checked=None if r[6] is None else float(r[6]),
        )

    async def save_cap_feed_state(self, state: CapFeedState) -> None:
        values: tuple[Any, ...] = (
            state.name,
            state.etag,
            state.last_modified,
            state.failures,
            state.next_poll,
            state.last_error,
            state.last_ok,
            state.last_checked,
        )
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO cap_feeds(name, etag, last_modified, failures, next_poll, "
                "last_error, last_ok, last_checked) VALUES (?,?,?,?,?,?,?,?) "
                "ON CONFLICT (name) DO UPDATE SET etag = excluded.etag, "
                "last_modified = excluded.last_modified, failures = excluded.failures, "
                "next_poll = excluded.next_poll, last_error = excluded.last_error, "
                "last_ok = excluded.last_ok, last_checked = excluded.last_checked",
                values,
            )

    async def cap_items_seen(self, feed: str, urls: Sequence[str]) -> set[str]:
        seen: set[str] = set()
        wanted = list(dict.fromkeys(urls))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = await self._fetch(
                f"SELECT url FROM cap_feed_items WHERE feed = ? AND url IN ({marks(chunk)})",
                (feed, *chunk),
            )
            seen.update(str(r[0]) for r in rows)
        return seen

    async def mark_cap_items_seen(self, feed: str, urls: Sequence[str], at: float) -> None:
        async with self._tx() as db:
            await db.executemany(
                "INSERT INTO cap_feed_items(feed, url, seen_at) VALUES (?, ?, ?) "
                "ON CONFLICT (feed, url) DO NOTHING",
                [(feed, url, at) for url in dict.fromkeys(urls)],
            )
