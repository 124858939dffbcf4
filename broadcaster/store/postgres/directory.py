"""Regions, groups and users on PostgreSQL.

Row shapes (column lists and row → record conversion) and the group predicate are shared with
the SQLite store, so both engines return identical records for the same data.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import asyncpg

from content.model import Level

from ...errors import Conflict, NotFound
from ...regions import LEVEL_ORDER, SUBTREE_END, require_level, subtree_bounds
from ..records import (
    AuditRecord,
    Group,
    GroupFilter,
    GroupStatus,
    ImportStats,
    NewGroup,
    Region,
    Role,
    User,
)
from ..sqlite.directory import _COUNT_KEYS, _GROUP_COLS, _USER_COLS, _with_object, group_where
from ..sqlite.directory import _group as _sqlite_group
from ..sqlite.directory import _user as _sqlite_user
from .base import PgBase, affected, q

_LEVEL_RANK = {level: rank for rank, level in enumerate(LEVEL_ORDER)}


def with_object(audit: AuditRecord, object_id: int) -> AuditRecord:
    """Fill in the id of an object created in the same transaction."""
    return _with_object(audit, object_id)


def group_of(row: Any) -> Group:
    return _sqlite_group(tuple(row))


def user_of(row: Any) -> User:
    return _sqlite_user(tuple(row))


def _predicate(where: GroupFilter) -> tuple[str, list[Any]]:
    sql, params = group_where(where)
    return ("TRUE" if sql == "1" else sql), params


class DirectoryMixin(PgBase):
    # -- regions ---------------------------------------------------------------------------
    async def import_regions(self, regions: Sequence[Region], audit: AuditRecord) -> ImportStats:
        async with self._tx() as db:
            codes = [r.code for r in regions]
            rows = await db.fetch(
                "SELECT code, name FROM regions WHERE code = ANY($1::text[])", codes
            )
            existing = {str(r[0]): str(r[1]) for r in rows}
            # parents first (parent is a foreign key, checked row by row)
            new = sorted(
                (r for r in regions if r.code not in existing), key=lambda r: _LEVEL_RANK[r.level]
            )
            renamed = [r for r in regions if r.code in existing and existing[r.code] != r.name]
            if new:
                await db.copy_records_to_table(
                    "regions",
                    records=[(r.code, str(r.level), r.name, r.parent) for r in new],
                    columns=["code", "level", "name", "parent"],
                    schema_name=self.schema,
                )
            if renamed:
                await db.executemany(
                    "UPDATE regions SET name = $1 WHERE code = $2",
                    [(r.name, r.code) for r in renamed],
                )
            stats = ImportStats(len(new), len(renamed), len(regions) - len(new) - len(renamed))
            detail = dict(audit.detail)
            detail.update(added=stats.added, updated=stats.updated, unchanged=stats.unchanged)
            await self._append_audit(db, dataclasses.replace(audit, detail=detail))
        return stats

    async def get_regions(self, codes: Sequence[str]) -> dict[str, Region]:
        rows = await self._fetch(
            "SELECT code, level, name, parent FROM regions WHERE code = ANY(?::text[])",
            [list(codes)],
        )
        return {r[0]: Region(r[0], Level(r[1]), r[2], r[3]) for r in rows}

    async def iter_regions(
        self, under: str | None = None, level: Level | None = None, batch: int = 1000
    ) -> AsyncIterator[Region]:
        if batch < 1:
            raise ValueError(f"batch must be at least 1, got {batch}")
        low, high = subtree_bounds(under) if under is not None else ("", SUBTREE_END)
        level_sql, level_params = ("AND level = ?", [str(level)]) if level else ("", [])
        bound, start = ">=", low
        while True:
            rows = await self._fetch(
                "SELECT code, level, name, parent FROM regions "
                f"WHERE code {bound} ? AND code < ? {level_sql} ORDER BY code LIMIT ?",
                [start, high, *level_params, batch],
            )
            for r in rows:
                yield Region(r[0], Level(r[1]), r[2], r[3])
            if len(rows) < batch:
                return
            bound, start = ">", rows[-1][0]

    async def count_regions(self, under: str | None = None, level: Level | None = None) -> int:
        low, high = subtree_bounds(under) if under is not None else ("", SUBTREE_END)
        level_sql, level_params = ("AND level = ?", [str(level)]) if level else ("", [])
        rows = await self._fetch(
            f"SELECT COUNT(*) FROM regions WHERE code >= ? AND code < ? {level_sql}",
            [low, high, *level_params],
        )
        return int(rows[0][0])

    # -- groups ----------------------------------------------------------------------------
    async def add_group(self, group: NewGroup, audit: AuditRecord) -> Group:
        level = require_level(group.region)
        now = time.time()
        async with self._tx() as db:
            if not await db.fetchval("SELECT 1 FROM regions WHERE code = $1", group.region):
                raise NotFound(f"region {group.region} does not exist; import it first")
            try:
                async with db.transaction():
                    row = await db.fetchrow(
                        "INSERT INTO groups(channel, account, address, region, region_level, "
                        "kind, title, language, status, subscribed_by, created_at, updated_at) "
                        f"VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING {_GROUP_COLS}",
                        group.channel,
                        group.account,
                        group.address,
                        group.region,
                        str(level),
                        group.kind,
                        group.title,
                        group.language,
                        str(group.status),
                        group.subscribed_by,
                        now,
                        now,
                    )
            except asyncpg.UniqueViolationError as exc:
                raise Conflict(
                    f"a group with address {group.address} already exists on "
                    f"{group.channel}/{group.account}"
                ) from exc
            assert row is not None
            await self._append_audit(db, with_object(audit, int(row[0])))
        return group_of(row)

    async def get_group(self, group_id: int) -> Group:
        rows = await self._fetch(f"SELECT {_GROUP_COLS} FROM groups WHERE id = ?", (group_id,))
        if not rows:
            raise NotFound(f"group {group_id} does not exist")
        return group_of(rows[0])

    async def find_group(self, channel: str, account: str, address: str) -> Group | None:
        rows = await self._fetch(
            f"SELECT {_GROUP_COLS} FROM groups WHERE channel = ? AND account = ? AND address = ?",
            (channel, account, address),
        )
        return group_of(rows[0]) if rows else None

    async def iter_groups(self, where: GroupFilter, batch: int = 1000) -> AsyncIterator[Group]:
        if batch < 1:
            raise ValueError(f"batch must be at least 1, got {batch}")
        low, high = subtree_bounds(where.region) if where.region is not None else ("", SUBTREE_END)
        rest, params = _predicate(dataclasses.replace(where, region=None))
        after: tuple[str, int] = ("", 0)
        while True:
            rows = await self._fetch(
                f"SELECT {_GROUP_COLS} FROM groups WHERE region >= ? AND region < ? "
                f"AND (region, id) > (?, ?) AND {rest} ORDER BY region, id LIMIT ?",
                [max(low, after[0]), high, *after, *params, batch],
            )
            for row in rows:
                yield group_of(row)
            if len(rows) < batch:
                return
            after = (rows[-1][4], int(rows[-1][0]))

    async def count_groups(self, where: GroupFilter, by: str | None = None) -> dict[str, int]:
        predicate, params = _predicate(where)
        if by is None:
            rows = await self._fetch(f"SELECT COUNT(*) FROM groups WHERE {predicate}", params)
            return {"total": int(rows[0][0])}
        if by not in _COUNT_KEYS:
            raise ValueError(f"cannot count groups by {by!r}; use one of {sorted(_COUNT_KEYS)}")
        column = _COUNT_KEYS[by]
        rows = await self._fetch(
            f"SELECT {column}, COUNT(*) FROM groups WHERE {predicate} GROUP BY {column}", params
        )
        return {str(r[0]): int(r[1]) for r in rows}

    async def update_group(
        self,
        group_id: int,
        audit: AuditRecord,
        *,
        status: GroupStatus | None = None,
        region: str | None = None,
        address: str | None = None,
        approved_by: str | None = None,
        kind: str | None = None,
    ) -> Group:
        sets: list[str] = []
        params: list[Any] = []
        if status is not None:
            sets.append("status = ?")
            params.append(str(status))
        if region is not None:
            sets += ["region = ?", "region_level = ?"]
            params += [region, str(require_level(region))]
        if address is not None:
            sets.append("address = ?")
            params.append(address)
        if approved_by is not None:
            sets.append("approved_by = ?")
            params.append(approved_by)
        if kind is not None:
            sets.append("kind = ?")
            params.append(kind)
        sets.append("updated_at = ?")
        params.append(time.time())
        async with self._tx() as db:
            if region is not None and not await db.fetchval(
                "SELECT 1 FROM regions WHERE code = $1", region
            ):
                raise NotFound(f"region {region} does not exist")
            try:
                async with db.transaction():
                    row = await db.fetchrow(
                        q(
                            f"UPDATE groups SET {', '.join(sets)} WHERE id = ? "
                            f"RETURNING {_GROUP_COLS}"
                        ),
                        *params,
                        group_id,
                    )
            except asyncpg.UniqueViolationError as exc:
                raise Conflict(f"address {address} is already used by another group") from exc
            if row is None:
                raise NotFound(f"group {group_id} does not exist")
            await self._append_audit(db, audit)
        return group_of(row)

    # -- users -----------------------------------------------------------------------------
    async def add_user(self, name: str, role: Role, scope: str | None, audit: AuditRecord) -> User:
        async with self._tx() as db:
            if scope is not None and not await db.fetchval(
                "SELECT 1 FROM regions WHERE code = $1", scope
            ):
                raise NotFound(f"scope region {scope} does not exist; import regions first")
            try:
                async with db.transaction():
                    row = await db.fetchrow(
                        "INSERT INTO users(name, role, scope, active, created_at) "
                        f"VALUES ($1,$2,$3,1,$4) RETURNING {_USER_COLS}",
                        name,
                        str(role),
                        scope,
                        time.time(),
                    )
            except asyncpg.UniqueViolationError as exc:
                raise Conflict(f"user {name!r} already exists") from exc
            await self._append_audit(db, audit)
        return user_of(row)

    async def get_user(self, name: str) -> User:
        rows = await self._fetch(f"SELECT {_USER_COLS} FROM users WHERE name = ?", (name,))
        if not rows:
            raise NotFound(f"user {name!r} does not exist")
        return user_of(rows[0])

    async def list_users(self) -> list[User]:
        rows = await self._fetch(f'SELECT {_USER_COLS} FROM users ORDER BY name COLLATE "C"')
        return [user_of(r) for r in rows]

    async def update_user(
        self,
        name: str,
        audit: AuditRecord,
        *,
        role: Role | None = None,
        scope: str | None = None,
        active: bool | None = None,
    ) -> User:
        sets: list[str] = []
        params: list[Any] = []
        if role is not None:
            sets.append("role = ?")
            params.append(str(role))
        if scope is not None:
            sets.append("scope = ?")
            params.append(scope)
        if active is not None:
            sets.append("active = ?")
            params.append(int(active))
        async with self._tx() as db:
            if not await db.fetchval("SELECT 1 FROM users WHERE name = $1", name):
                raise NotFound(f"user {name!r} does not exist")
            if scope is not None and not await db.fetchval(
                "SELECT 1 FROM regions WHERE code = $1", scope
            ):
                raise NotFound(f"scope region {scope} does not exist; import regions first")
            if sets:
                status = await db.execute(
                    q(f"UPDATE users SET {', '.join(sets)} WHERE name = ?"), *params, name
                )
                assert affected(status) == 1
            await self._append_audit(db, audit)
            row = await db.fetchrow(f"SELECT {_USER_COLS} FROM users WHERE name = $1", name)
        return user_of(row)
