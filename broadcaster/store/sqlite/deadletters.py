"""Inbound dead letters on SQLite: the shared SQL (:mod:`..sql_deadletters`) and its writes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..sql_deadletters import DeadLetterSql
from .base import SqliteBase


class DeadLetterMixin(SqliteBase, DeadLetterSql):
    async def _execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        async with self._tx() as db:
            cursor = await db.execute(sql, tuple(params))
            return cursor.rowcount
