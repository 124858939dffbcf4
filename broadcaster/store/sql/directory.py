"""Regions, groups and users: the SQL of both engines."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

from content.levels import Level

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
from .base import Dialect, SqlBase, Tx, marks, with_object
from .rows import GROUP_COLS, USER_COLS, group_of, user_of

REGION_COLS = "code, level, name, parent"
#: codes per IN list (one parameter each): far below SQLite's limit of 32766
CHUNK = 900
_COUNT_KEYS = {
    "status": "status",
    "channel": "channel",
    "kind": "kind",
    "level": "region_level",
    "account": "account",
}
_LEVEL_RANK = {level: rank for rank, level in enumerate(LEVEL_ORDER)}


def group_where(where: GroupFilter, alias: str = "") -> tuple[str, list[Any]]:
    """SQL predicate (and its parameters) for a group filter; the region part is a range."""
    p = f"{alias}." if alias else ""
    clauses: list[str] = []
    params: list[Any] = []
    if where.region is not None:
        low, high = subtree_bounds(where.region)
        clauses.append(f"{p}region >= ? AND {p}region < ?")
        params += [low, high]
    for column, values in (
        ("region_level", [str(v) for v in where.levels]),
        ("kind", list(where.kinds)),
        ("channel", list(where.channels)),
        ("status", [str(v) for v in where.statuses]),
        ("account", list(where.accounts)),
    ):
        if values:
            clauses.append(f"{p}{column} IN ({marks(values)})")
            params += values
    return (" AND ".join(clauses) or "TRUE"), params


def iter_groups_sql(
    dialect: Dialect, where: GroupFilter, after: tuple[str, int], batch: int
) -> tuple[str, list[Any]]:
    """One page of :meth:`DirectorySql.iter_groups`: the groups after the keyset ``after``
    (``("", 0)`` for the first page), as SQL and parameters (exposed for the query-plan tests).

    Every group query reads the region index: a subtree is one range of it, and keyset pages
    in (region, id) order stream from it without sorting. The page starts with scalar bounds on
    ``region``: SQLite does not seek on a row value, so with ``(region, id) > (?, ?)`` alone
    every page would re-read the subtree from its start.
    """
    low, high = subtree_bounds(where.region) if where.region is not None else ("", SUBTREE_END)
    rest, params = group_where(dataclasses.replace(where, region=None))
    sql = (
        f"SELECT {GROUP_COLS} FROM {dialect.groups_by_region} WHERE region >= ? AND region < ? "
        f"AND (region, id) > (?, ?) AND {rest} ORDER BY region, id LIMIT ?"
    )
    return sql, [max(low, after[0]), high, *after, *params, batch]


def count_groups_sql(dialect: Dialect, where: GroupFilter, by: str | None) -> tuple[str, list[Any]]:
    """The query of :meth:`DirectorySql.count_groups` (exposed for the query-plan tests)."""
    predicate, params = group_where(where)
    # a subtree is counted on its range of the region index
    table = dialect.groups_by_region if where.region is not None else "groups"
    if by is None:
        return f"SELECT COUNT(*) FROM {table} WHERE {predicate}", params
    if by not in _COUNT_KEYS:
        raise ValueError(f"cannot count groups by {by!r}; use one of {sorted(_COUNT_KEYS)}")
    column = _COUNT_KEYS[by]
    return f"SELECT {column}, COUNT(*) FROM {table} WHERE {predicate} GROUP BY {column}", params


def _region(r: Sequence[Any]) -> Region:
    return Region(code=r[0], level=Level(r[1]), name=r[2], parent=r[3])


def _sets(pairs: Sequence[tuple[str, Any]]) -> tuple[list[str], list[Any]]:
    """``column = ?`` assignments (and their parameters) of the pairs whose value is given."""
    given = [(column, value) for column, value in pairs if value is not None]
    return [f"{column} = ?" for column, _ in given], [value for _, value in given]


async def _require(db: Tx, sql: str, key: Any, message: str) -> None:
    if not await db.fetch(sql, (key,)):
        raise NotFound(message)


class DirectorySql(SqlBase):
    # -- regions ---------------------------------------------------------------------------
    async def import_regions(self, regions: Sequence[Region], audit: AuditRecord) -> ImportStats:
        async with self._tx() as db:
            existing: dict[str, str] = {}
            codes = [r.code for r in regions]
            for start in range(0, len(codes), CHUNK):
                chunk = codes[start : start + CHUNK]
                rows = await db.fetch(
                    f"SELECT code, name FROM regions WHERE code IN ({marks(chunk)})", chunk
                )
                existing.update({str(r[0]): str(r[1]) for r in rows})
            # parents first (the parent column is a foreign key, checked row by row): a stable
            # sort by level keeps the caller's order within a level
            new = sorted(
                (r for r in regions if r.code not in existing), key=lambda r: _LEVEL_RANK[r.level]
            )
            renamed = [r for r in regions if r.code in existing and existing[r.code] != r.name]
            if new:
                await db.copy(
                    "regions",
                    ("code", "level", "name", "parent"),
                    [(r.code, str(r.level), r.name, r.parent) for r in new],
                )
            if renamed:
                await db.executemany(
                    "UPDATE regions SET name = ? WHERE code = ?",
                    [(r.name, r.code) for r in renamed],
                )
            stats = ImportStats(
                added=len(new),
                updated=len(renamed),
                unchanged=len(regions) - len(new) - len(renamed),
            )
            detail = dict(audit.detail)
            detail.update(added=stats.added, updated=stats.updated, unchanged=stats.unchanged)
            await self._append_audit(db, dataclasses.replace(audit, detail=detail))
        return stats

    async def get_regions(self, codes: Sequence[str]) -> dict[str, Region]:
        found: dict[str, Region] = {}
        codes = list(codes)
        for start in range(0, len(codes), CHUNK):
            chunk = codes[start : start + CHUNK]
            rows = await self._fetch(
                f"SELECT {REGION_COLS} FROM regions WHERE code IN ({marks(chunk)})", chunk
            )
            found.update((r[0], _region(r)) for r in rows)
        return found

    async def iter_regions(
        self, under: str | None = None, level: Level | None = None, batch: int = 1000
    ) -> AsyncIterator[Region]:
        if batch < 1:
            raise ValueError(f"batch must be at least 1, got {batch}")
        low, high = subtree_bounds(under) if under is not None else ("", SUBTREE_END)
        level_sql, level_params = ("AND level = ?", [str(level)]) if level else ("", [])
        # one lower bound per page (>= the subtree's start, then > the last code read): given
        # both, SQLite may seek on the first and re-read every earlier page each time
        bound, start = ">=", low
        while True:
            rows = await self._fetch(
                f"SELECT {REGION_COLS} FROM regions "
                f"WHERE code {bound} ? AND code < ? {level_sql} ORDER BY code LIMIT ?",
                [start, high, *level_params, batch],
            )
            for r in rows:
                yield _region(r)
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
            await _require(
                db,
                "SELECT 1 FROM regions WHERE code = ?",
                group.region,
                f"region {group.region} does not exist; import it first",
            )
            try:
                async with db.savepoint():
                    [row] = await db.fetch(
                        "INSERT INTO groups(channel, account, address, region, region_level, "
                        "kind, title, language, status, subscribed_by, created_at, updated_at) "
                        f"VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING {GROUP_COLS}",
                        (
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
                        ),
                    )
            except db.duplicate as exc:
                raise Conflict(
                    f"a group with address {group.address} already exists on "
                    f"{group.channel}/{group.account}"
                ) from exc
            await self._append_audit(db, with_object(audit, int(row[0])))
        return group_of(row)

    async def get_group(self, group_id: int) -> Group:
        rows = await self._fetch(f"SELECT {GROUP_COLS} FROM groups WHERE id = ?", (group_id,))
        if not rows:
            raise NotFound(f"group {group_id} does not exist")
        return group_of(rows[0])

    async def find_group(self, channel: str, account: str, address: str) -> Group | None:
        rows = await self._fetch(
            f"SELECT {GROUP_COLS} FROM groups WHERE channel = ? AND account = ? AND address = ?",
            (channel, account, address),
        )
        return group_of(rows[0]) if rows else None

    async def iter_groups(self, where: GroupFilter, batch: int = 1000) -> AsyncIterator[Group]:
        if batch < 1:
            raise ValueError(f"batch must be at least 1, got {batch}")
        after: tuple[str, int] = ("", 0)
        while True:
            rows = await self._fetch(*iter_groups_sql(self.dialect, where, after, batch))
            for row in rows:
                yield group_of(row)
            if len(rows) < batch:
                return
            after = (rows[-1][4], int(rows[-1][0]))

    async def count_groups(self, where: GroupFilter, by: str | None = None) -> dict[str, int]:
        rows = await self._fetch(*count_groups_sql(self.dialect, where, by))
        if by is None:
            return {"total": int(rows[0][0])}
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
        sets, params = _sets(
            [
                ("status", None if status is None else str(status)),
                ("region", region),
                ("region_level", None if region is None else str(require_level(region))),
                ("address", address),
                ("approved_by", approved_by),
                ("kind", kind),
                ("updated_at", time.time()),
            ]
        )
        async with self._tx() as db:
            if region is not None:
                await _require(
                    db,
                    "SELECT 1 FROM regions WHERE code = ?",
                    region,
                    f"region {region} does not exist",
                )
            try:
                async with db.savepoint():
                    rows = await db.fetch(
                        f"UPDATE groups SET {', '.join(sets)} WHERE id = ? RETURNING {GROUP_COLS}",
                        [*params, group_id],
                    )
            except db.duplicate as exc:
                raise Conflict(f"address {address} is already used by another group") from exc
            if not rows:
                raise NotFound(f"group {group_id} does not exist")
            await self._append_audit(db, audit)
        return group_of(rows[0])

    # -- users -----------------------------------------------------------------------------
    async def add_user(self, name: str, role: Role, scope: str | None, audit: AuditRecord) -> User:
        async with self._tx() as db:
            if scope is not None:
                await _require(
                    db,
                    "SELECT 1 FROM regions WHERE code = ?",
                    scope,
                    f"scope region {scope} does not exist; import regions first",
                )
            try:
                async with db.savepoint():
                    [row] = await db.fetch(
                        "INSERT INTO users(name, role, scope, active, created_at) "
                        f"VALUES (?,?,?,1,?) RETURNING {USER_COLS}",
                        (name, str(role), scope, time.time()),
                    )
            except db.duplicate as exc:
                raise Conflict(f"user {name!r} already exists") from exc
            await self._append_audit(db, audit)
        return user_of(row)

    async def get_user(self, name: str) -> User:
        rows = await self._fetch(f"SELECT {USER_COLS} FROM users WHERE name = ?", (name,))
        if not rows:
            raise NotFound(f"user {name!r} does not exist")
        return user_of(rows[0])

    async def list_users(self) -> list[User]:
        rows = await self._fetch(
            f"SELECT {USER_COLS} FROM users ORDER BY name{self.dialect.byte_order}"
        )
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
        sets, params = _sets(
            [
                ("role", None if role is None else str(role)),
                ("scope", scope),
                ("active", None if active is None else int(active)),
            ]
        )
        async with self._tx() as db:
            await _require(
                db, "SELECT 1 FROM users WHERE name = ?", name, f"user {name!r} does not exist"
            )
            if scope is not None:
                await _require(
                    db,
                    "SELECT 1 FROM regions WHERE code = ?",
                    scope,
                    f"scope region {scope} does not exist; import regions first",
                )
            if sets:
                await db.execute(
                    f"UPDATE users SET {', '.join(sets)} WHERE name = ?", [*params, name]
                )
            await self._append_audit(db, audit)
            [row] = await db.fetch(f"SELECT {USER_COLS} FROM users WHERE name = ?", (name,))
        return user_of(row)
