"""The audit log's reads, for both engines (appending is per engine: how the chain's head is
locked differs)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from ..records import AuditEntry, AuditRecord
from .base import SqlBase
from .rows import audit_entry


class AuditSql(SqlBase):
    """``audit``, ``iter_audit``, ``audit_head`` and ``list_audit`` of the Store contract."""

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
                yield audit_entry(row)
            if len(rows) < batch:
                return
            after = int(rows[-1][0])

    async def audit_head(self) -> tuple[int, str] | None:
        rows = await self._fetch("SELECT value FROM meta WHERE key = 'audit_head'")
        if not rows or not rows[0][0]:
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
        return [audit_entry(r) for r in rows]
