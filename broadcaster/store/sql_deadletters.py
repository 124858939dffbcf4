"""Inbound dead letters (:class:`~.contract_deadletters.DeadLetterStore`), written once for both
SQL engines: ``?`` placeholders through each engine's ``_fetch`` (reads) and ``_execute``
(one write in its own transaction; returns the rows it changed)."""

from __future__ import annotations

import time
from abc import abstractmethod
from collections.abc import Iterable
from typing import Any

from .contract_deadletters import DeadLetter, DeadLetterStore

#: the longest reason kept (reasons are short descriptions, never an update's content)
MAX_REASON = 500

INSERT = (
    "INSERT INTO inbound_dead_letters (account, ref, reason, at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (account, ref) DO NOTHING"
)
COUNTS = "SELECT account, COUNT(*) FROM inbound_dead_letters GROUP BY account"
NEWEST = (
    "SELECT account, ref, reason, at FROM inbound_dead_letters "
    "ORDER BY at DESC, account, ref LIMIT ?"
)


class DeadLetterSql(DeadLetterStore):
    @abstractmethod
    async def _fetch(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        """Rows of ``sql`` (``?`` placeholders) as tuples."""

    @abstractmethod
    async def _execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one write (``?`` placeholders) in its own transaction; rows changed."""

    async def add_dead_letter(self, account: str, ref: str, reason: str) -> bool:
        changed = await self._execute(INSERT, (account, ref, reason[:MAX_REASON], time.time()))
        return changed > 0

    async def dead_letter_counts(self) -> dict[str, int]:
        return {str(account): int(count) for account, count in await self._fetch(COUNTS)}

    async def list_dead_letters(self, limit: int = 50) -> list[DeadLetter]:
        rows = await self._fetch(NEWEST, (limit,))
        return [DeadLetter(str(a), str(r), str(why), float(at)) for a, r, why, at in rows]
