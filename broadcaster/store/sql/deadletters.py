"""Inbound dead letters (:class:`~..contract.deadletters.DeadLetterStore`) for both engines."""

from __future__ import annotations

import time

from ..contract.deadletters import DeadLetter
from .base import SqlBase

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


class DeadLetterSql(SqlBase):
    async def add_dead_letter(self, account: str, ref: str, reason: str) -> bool:
        async with self._tx() as db:
            changed = await db.execute(INSERT, (account, ref, reason[:MAX_REASON], time.time()))
        return changed > 0

    async def dead_letter_counts(self) -> dict[str, int]:
        return {str(account): int(count) for account, count in await self._fetch(COUNTS)}

    async def list_dead_letters(self, limit: int = 50) -> list[DeadLetter]:
        rows = await self._fetch(NEWEST, (limit,))
        return [DeadLetter(str(a), str(r), str(why), float(at)) for a, r, why, at in rows]
