"""The SQL of :class:`~broadcaster.store.contract.selfservice.SelfServiceStore` (issue 13):
numbered region choices, groups added in bulk, users' end dates and e-mail addresses."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from ...errors import Conflict
from ...regions import require_level
from ..contract.selfservice import GroupKey, SelfServiceStore
from ..records import AuditRecord, GroupStatus, NewGroup
from .base import SqlBase

Statement = tuple[str, Sequence[Sequence[Any]]]


class SelfServiceSql(SqlBase, SelfServiceStore):
    async def _run_batch(self, statements: Sequence[Statement], audit: AuditRecord | None) -> None:
        """Run each statement once per parameter row, all in one transaction, then append
        ``audit``; a unique-key violation raises Conflict and writes nothing."""
        async with self._tx() as db:
            try:
                for sql, rows in statements:
                    await db.executemany(sql, [tuple(r) for r in rows])
            except db.duplicate as exc:
                raise Conflict(f"already exists: {exc}") from exc
            if audit is not None:
                await self._append_audit(db, audit)

    async def region_rows(self) -> list[tuple[str, str, str, str | None]]:
        rows = await self._fetch("SELECT code, level, name, parent FROM regions ORDER BY code")
        return [
            (str(r[0]), str(r[1]), str(r[2]), None if r[3] is None else str(r[3])) for r in rows
        ]

    async def save_choice(
        self, account: str, address: str, voter: str, payload: str, expires_at: float
    ) -> None:
        await self._run_batch(
            [
                (
                    "INSERT INTO region_choices(account, address, voter, payload, expires_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (account, address, voter) DO UPDATE "
                    "SET payload = excluded.payload, expires_at = excluded.expires_at",
                    [(account, address, voter, payload, expires_at)],
                ),
                # forget everybody's stale choices while here (the table stays small)
                ("DELETE FROM region_choices WHERE expires_at < ?", [(time.time(),)]),
            ],
            None,
        )

    async def get_choice(self, account: str, address: str, voter: str, now: float) -> str | None:
        rows = await self._fetch(
            "SELECT payload FROM region_choices WHERE account = ? AND address = ? AND voter = ? "
            "AND expires_at >= ?",
            (account, address, voter, now),
        )
        return str(rows[0][0]) if rows else None

    async def drop_choice(self, account: str, address: str, voter: str) -> None:
        await self._run_batch(
            [
                (
                    "DELETE FROM region_choices WHERE account = ? AND address = ? AND voter = ?",
                    [(account, address, voter)],
                )
            ],
            None,
        )

    async def groups_of_accounts(self, accounts: Sequence[str]) -> list[GroupKey]:
        found: list[GroupKey] = []
        for account in sorted(set(accounts)):
            rows = await self._fetch(
                "SELECT channel, account, address, region, kind, title, language, status "
                "FROM groups WHERE account = ?",
                (account,),
            )
            found.extend(GroupKey(*(str(v) for v in row)) for row in rows)
        return found

    async def add_groups(
        self, groups: Sequence[NewGroup], approved_by: str | None, audit: AuditRecord
    ) -> int:
        now = time.time()
        rows = [
            (
                g.channel,
                g.account,
                g.address,
                g.region,
                str(require_level(g.region)),
                g.kind,
                g.title,
                g.language,
                str(g.status),
                g.subscribed_by,
                approved_by if g.status is GroupStatus.active else None,
                now,
                now,
            )
            for g in groups
        ]
        sql = (
            "INSERT INTO groups(channel, account, address, region, region_level, kind, title, "
            "language, status, subscribed_by, approved_by, created_at, updated_at) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
        )
        await self._run_batch([(sql, rows)] if rows else [], audit)
        return len(rows)

    async def set_user_valid_until(
        self, name: str, valid_until: float | None, audit: AuditRecord
    ) -> None:
        await self._run_batch(
            [
                (
                    "INSERT INTO user_profiles(name, valid_until) VALUES (?, ?) ON CONFLICT (name) "
                    "DO UPDATE SET valid_until = excluded.valid_until",
                    [(name, valid_until)],
                )
            ],
            audit,
        )

    async def user_valid_until(self, name: str) -> float | None:
        rows = await self._fetch("SELECT valid_until FROM user_profiles WHERE name = ?", (name,))
        return float(rows[0][0]) if rows and rows[0][0] is not None else None

    async def users_valid_until(self) -> dict[str, float]:
        rows = await self._fetch(
            "SELECT name, valid_until FROM user_profiles WHERE valid_until IS NOT NULL"
        )
        return {str(r[0]): float(r[1]) for r in rows}

    async def set_user_email(self, name: str, email: str | None, audit: AuditRecord) -> None:
        await self._run_batch(
            [
                (
                    "INSERT INTO user_profiles(name, email) VALUES (?, ?) ON CONFLICT (name) "
                    "DO UPDATE SET email = excluded.email",
                    [(name, email)],
                )
            ],
            audit,
        )

    async def user_email(self, name: str) -> str | None:
        rows = await self._fetch("SELECT email FROM user_profiles WHERE name = ?", (name,))
        return str(rows[0][0]) if rows and rows[0][0] is not None else None
