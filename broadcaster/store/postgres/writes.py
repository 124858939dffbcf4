"""The PostgreSQL side of the shared statement modules' small connection interface."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .base import PgBase, affected, q


class PgWrites(PgBase):
    async def _write(self, sql: str, params: Iterable[Any] = ()) -> int:
        """One write transaction with ``?`` placeholders; the number of rows it changed."""
        async with self._tx() as db:
            return affected(await db.execute(q(sql), *params))
