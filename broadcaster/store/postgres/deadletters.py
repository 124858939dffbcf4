"""Inbound dead letters on PostgreSQL: the shared SQL (:mod:`..sql_deadletters`) and its writes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..sql_deadletters import DeadLetterSql
from .base import PgBase, affected, q


class DeadLetterMixin(PgBase, DeadLetterSql):
    async def _execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        async with self._tx() as db:
            return affected(await db.execute(q(sql), *params))
