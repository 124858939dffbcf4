"""The PostgreSQL store (asyncpg): many sender and web processes on many machines share one
database. Chosen by ``[store] url = "postgresql://…"``."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from typing import Any

from ..contract import Store
from ..records import AuditEntry, AuditRecord
from .base import PgBase, PgOptions, retrying
from .channels import ChannelMixin
from .content import ContentMixin
from .coordination import PgCoordinator
from .directory import DirectoryMixin
from .dispatch import DispatchMixin
from .inbox import InboxMixin
from .web import WebMixin


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        int(row[0]),
        float(row[1]),
        str(row[2]),
        str(row[3]),
        str(row[4]),
        str(row[5]),
        str(row[6]),
        None if row[7] is None else str(row[7]),
        str(row[8]),
        str(row[9]),
    )


class PostgresStore(
    DirectoryMixin, ContentMixin, DispatchMixin, InboxMixin, WebMixin, ChannelMixin, Store
):
    """PostgreSQL implementation of :class:`Store`; safe to share between processes."""

    def coordinator(self) -> PgCoordinator:
        """Leases and LISTEN/NOTIFY wake-ups for one process (see broadcaster.coordination)."""
        return PgCoordinator(self)

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
        return [_entry(r) for r in rows]


def _wrap_contract_methods(cls: type[PgBase]) -> None:
    """Every coroutine of the contract retries on a lost connection (see :func:`retrying`):
    one place, so no method can forget it. Streams page through ``_fetch``, which retries."""
    skip = {"open", "close", "__aenter__", "__aexit__"}
    for name in dir(Store):
        if name in skip or name.startswith("_"):
            continue
        method = getattr(cls, name, None)
        if inspect.iscoroutinefunction(method):
            setattr(cls, name, retrying(method))


_wrap_contract_methods(PostgresStore)

__all__ = ["PgOptions", "PostgresStore"]
