"""SQLite's ``_run_batch`` for the statements written once in ``store/sql_*.py``."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from ...errors import Conflict
from ..records import AuditRecord
from ..sql_selfservice import Statement
from .base import SqliteBase


class BatchMixin(SqliteBase):
    async def _run_batch(self, statements: Sequence[Statement], audit: AuditRecord | None) -> None:
        async with self._tx() as db:
            try:
                for sql, rows in statements:
                    await db.executemany(sql, [tuple(r) for r in rows])
            except sqlite3.IntegrityError as exc:
                raise Conflict(f"already exists: {exc}") from exc
            if audit is not None:
                await self._append_audit(db, audit)
