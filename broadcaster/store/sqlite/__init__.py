"""The embedded SQLite store (aiosqlite, WAL, one writer)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from ..contract import Store
from ..records import AuditEntry, AuditRecord
from .channels import ChannelMixin
from .content import ContentMixin
from .directory import DirectoryMixin
from .dispatch import DispatchMixin
from .inbox import InboxMixin
from .web import WebMixin


def _entry(row: tuple[object, ...]) -> AuditEntry:
    return AuditEntry(
        int(str(row[0])),
        float(str(row[1])),
        str(row[2]),
        str(row[3]),
        str(row[4]),
        str(row[5]),
        str(row[6]),
        None if row[7] is None else str(row[7]),
        str(row[8]),
        str(row[9]),
    )


class SqliteStore(
    DirectoryMixin, ContentMixin, DispatchMixin, InboxMixin, WebMixin, ChannelMixin, Store
):
    """SQLite implementation of :class:`Store`. One process owns the file at a time."""

    async def audit(self, record: AuditRecord) -> AuditEntry:
        async with self._tx() as db:
            return await self._append_audit(db, record)

    async def iter_audit(self, batch: int = 1000) -> AsyncIterator[AuditEntry]:
        after = 0
        while True:
            rows = await self._fetch(
                "SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", (after, batch)
            )
            for row in rows:
                yield _entry(row)
            if len(rows) < batch:
                return
            after = int(rows[-1][0])

    async def audit_head(self) -> tuple[int, str] | None:
        rows = await self._fetch("SELECT value FROM meta WHERE key = 'audit_head'")
        if not rows:
            return None
        seq, digest = str(rows[0][0]).split(":", 1)
        return int(seq), digest

    async def list_audit(
        self, limit: int = 50, object_type: str | None = None, object_id: str | None = None
    ) -> list[AuditEntry]:
        clauses: list[str] = []
        params: list[object] = []
        if object_type is not None:
            clauses.append("object_type = ?")
            params.append(object_type)
        if object_id is not None:
            clauses.append("object_id = ?")
            params.append(object_id)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = await self._fetch(
            f"SELECT * FROM audit {where} ORDER BY seq DESC LIMIT ?", [*params, limit]
        )
        return [_entry(r) for r in rows]


__all__ = ["SqliteStore"]
