"""PostgreSQL's ``_run_batch`` for the statements written once in ``store/sql_*.py``."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from ...errors import Conflict
from ..records import AuditRecord
from ..sql_selfservice import Statement
from .base import PgBase, q


class BatchMixin(PgBase):
    async def _run_batch(self, statements: Sequence[Statement], audit: AuditRecord | None) -> None:
        async with self._tx() as db:
            try:
                for sql, rows in statements:
                    await db.executemany(q(sql), [tuple(r) for r in rows])
            except asyncpg.UniqueViolationError as exc:
                raise Conflict(f"already exists: {exc}") from exc
            if audit is not None:
                await self._append_audit(db, audit)
