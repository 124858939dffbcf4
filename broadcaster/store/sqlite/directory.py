"""Regions, groups and users on SQLite."""

from __future__ import annotations

import dataclasses
import sqlite3
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

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
    from_ts,
)
from .base import Row, SqliteBase

_GROUP_COLS = (
    "id, channel, account, address, region, region_level, kind, title, language, status, "
    "subscribed_by, approved_by, created_at, updated_at"
)
_USER_COLS = "id, name, role, scope, active, created_at"
_COUNT_KEYS = {
    "status": "status",
    "channel": "channel",
    "kind": "kind",
    "level": "region_level",
    "account": "account",
}


def _group(row: Row) -> Group:
    created, updated = from_ts(row[12]), from_ts(row[13])
    assert created is not None and updated is not None
    return Group(
        id=int(row[0]),
        channel=row[1],
        account=row[2],
        address=row[3],
        region=row[4],
        region_level=Level(row[5]),
        kind=row[6],
        title=row[7],
        language=row[8],
        status=GroupStatus(row[9]),
        subscribed_by=row[10],
        approved_by=row[11],
        created_at=created,
        updated_at=updated,
    )


def _user(row: Row) -> User:
    created = from_ts(row[5])
    assert created is not None
    return User(int(row[0]), row[1], Role(row[2]), row[3], bool(row[4]), created)


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
            clauses.append(f"{p}{column} IN ({','.join('?' * len(values))})")
            params += values
    return (" AND ".join(clauses) or "1"), params


# Every group query reads the region index: a subtree is one range of it, and keyset pages in
# (region, id) order stream from it without sorting. Left to itself the planner prefers the
# (channel, account, address) index whenever a channel is named, which sorts the whole channel
# in a temporary B-tree for every page and reads groups outside the subtree.
_BY_REGION = "groups INDEXED BY ix_groups_region"


def iter_groups_sql(
    where: GroupFilter, after: tuple[str, int], batch: int
) -> tuple[str, list[Any]]:
    """One page of :meth:`DirectoryMixin.iter_groups`: the groups after the keyset ``after``
    (``("", 0)`` for the first page), as SQL and parameters (exposed for the query-plan tests).

    The page starts with scalar bounds on ``region``: SQLite does not seek on a row value, so
    with ``(region, id) > (?, ?)`` alone every page would re-read the subtree from its start.
    """
    low, high = subtree_bounds(where.region) if where.region is not None else ("", SUBTREE_END)
    rest, params = group_where(dataclasses.replace(where, region=None))
    sql = (
        f"SELECT {_GROUP_COLS} FROM {_BY_REGION} WHERE region >= ? AND region < ? "
        f"AND (region, id) > (?, ?) AND {rest} ORDER BY region, id LIMIT ?"
    )
    return sql, [max(low, after[0]), high, *after, *params, batch]


def count_groups_sql(where: GroupFilter, by: str | None) -> tuple[str, list[Any]]:
    """The query of :meth:`DirectoryMixin.count_groups` (exposed for the query-plan tests)."""
    predicate, params = group_where(where)
    # a subtree is counted on its range of the region index (see _BY_REGION)
    table = _BY_REGION if where.region is not None else "groups"
    if by is None:
        return f"SELECT COUNT(*) FROM {table} WHERE {predicate}", params
    if by not in _COUNT_KEYS:
        raise ValueError(f"cannot count groups by {by!r}; use one of {sorted(_COUNT_KEYS)}")
    column = _COUNT_KEYS[by]
    return f"SELECT {column}, COUNT(*) FROM {table} WHERE {predicate} GROUP BY {column}", params


_LEVEL_RANK = {level: rank for rank, level in enumerate(LEVEL_ORDER)}


class DirectoryMixin(SqliteBase):
    # -- regions ---------------------------------------------------------------------------
    async def import_regions(self, regions: Sequence[Region], audit: AuditRecord) -> ImportStats:
        async with self._tx() as db:
            existing: dict[str, str] = {}
            codes = [r.code for r in regions]
            for start in range(0, len(codes), 900):
                chunk = codes[start : start + 900]
                rows = await db.execute_fetchall(
                    f"SELECT code, name FROM regions WHERE code IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
                existing.update({str(r[0]): str(r[1]) for r in rows})
            # parents first (the parent column is a foreign key, checked row by row): a stable
            # sort by level keeps the caller's order within a level
            new = sorted(
                (r for r in regions if r.code not in existing), key=lambda r: _LEVEL_RANK[r.level]
            )
            renamed = [r for r in regions if r.code in existing and existing[r.code] != r.name]
            await db.executemany(
                "INSERT INTO regions(code, level, name, parent) VALUES (?,?,?,?)",
                [(r.code, str(r.level), r.name, r.parent) for r in new],
            )
            await db.executemany(
                "UPDATE regions SET name = ? WHERE code = ?", [(r.name, r.code) for r in renamed]
            )
            stats = ImportStats(len(new), len(renamed), len(regions) - len(new) - len(renamed))
            detail = dict(audit.detail)
            detail.update(added=stats.added, updated=stats.updated, unchanged=stats.unchanged)
            await self._append_audit(db, dataclasses.replace(audit, detail=detail))
        return stats

    async def get_regions(self, codes: Sequence[str]) -> dict[str, Region]:
        found: dict[str, Region] = {}
        codes = list(codes)
        for start in range(0, len(codes), 900):
            chunk = codes[start : start + 900]
            rows = await self._fetch(
                "SELECT code, level, name, parent FROM regions "
                f"WHERE code IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            for r in rows:
                found[r[0]] = Region(r[0], Level(r[1]), r[2], r[3])
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
            if not await db.execute_fetchall(
                "SELECT 1 FROM regions WHERE code = ?", (group.region,)
            ):
                raise NotFound(f"region {group.region} does not exist; import it first")
            try:
                cursor = await db.execute(
                    "INSERT INTO groups(channel, account, address, region, region_level, kind, "
                    "title, language, status, subscribed_by, created_at, updated_at) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
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
            except sqlite3.IntegrityError as exc:
                raise Conflict(
                    f"a group with address {group.address} already exists on "
                    f"{group.channel}/{group.account}"
                ) from exc
            group_id = cursor.lastrowid
            assert group_id is not None
            await self._append_audit(db, _with_object(audit, group_id))
            rows = await db.execute_fetchall(
                f"SELECT {_GROUP_COLS} FROM groups WHERE id = ?", (group_id,)
            )
        return _group(tuple(list(rows)[0]))

    async def get_group(self, group_id: int) -> Group:
        rows = await self._fetch(f"SELECT {_GROUP_COLS} FROM groups WHERE id = ?", (group_id,))
        if not rows:
            raise NotFound(f"group {group_id} does not exist")
        return _group(rows[0])

    async def find_group(self, channel: str, account: str, address: str) -> Group | None:
        rows = await self._fetch(
            f"SELECT {_GROUP_COLS} FROM groups WHERE channel = ? AND account = ? AND address = ?",
            (channel, account, address),
        )
        return _group(rows[0]) if rows else None

    async def iter_groups(self, where: GroupFilter, batch: int = 1000) -> AsyncIterator[Group]:
        if batch < 1:
            raise ValueError(f"batch must be at least 1, got {batch}")
        after: tuple[str, int] = ("", 0)
        while True:
            rows = await self._fetch(*iter_groups_sql(where, after, batch))
            for row in rows:
                yield _group(row)
            if len(rows) < batch:
                return
            after = (rows[-1][4], int(rows[-1][0]))

    async def count_groups(self, where: GroupFilter, by: str | None = None) -> dict[str, int]:
        rows = await self._fetch(*count_groups_sql(where, by))
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
            if region is not None and not await db.execute_fetchall(
                "SELECT 1 FROM regions WHERE code = ?", (region,)
            ):
                raise NotFound(f"region {region} does not exist")
            try:
                cursor = await db.execute(
                    f"UPDATE groups SET {', '.join(sets)} WHERE id = ?", [*params, group_id]
                )
            except sqlite3.IntegrityError as exc:
                raise Conflict(f"address {address} is already used by another group") from exc
            if cursor.rowcount == 0:
                raise NotFound(f"group {group_id} does not exist")
            await self._append_audit(db, audit)
            rows = await db.execute_fetchall(
                f"SELECT {_GROUP_COLS} FROM groups WHERE id = ?", (group_id,)
            )
        return _group(tuple(list(rows)[0]))

    # -- users -----------------------------------------------------------------------------
    async def add_user(self, name: str, role: Role, scope: str | None, audit: AuditRecord) -> User:
        async with self._tx() as db:
            if scope is not None and not await db.execute_fetchall(
                "SELECT 1 FROM regions WHERE code = ?", (scope,)
            ):
                raise NotFound(f"scope region {scope} does not exist; import regions first")
            try:
                await db.execute(
                    "INSERT INTO users(name, role, scope, active, created_at) VALUES (?,?,?,1,?)",
                    (name, str(role), scope, time.time()),
                )
            except sqlite3.IntegrityError as exc:
                raise Conflict(f"user {name!r} already exists") from exc
            await self._append_audit(db, audit)
            rows = await db.execute_fetchall(
                f"SELECT {_USER_COLS} FROM users WHERE name = ?", (name,)
            )
        return _user(tuple(list(rows)[0]))

    async def get_user(self, name: str) -> User:
        rows = await self._fetch(f"SELECT {_USER_COLS} FROM users WHERE name = ?", (name,))
        if not rows:
            raise NotFound(f"user {name!r} does not exist")
        return _user(rows[0])

    async def list_users(self) -> list[User]:
        return [
            _user(r) for r in await self._fetch(f"SELECT {_USER_COLS} FROM users ORDER BY name")
        ]

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
            if not await db.execute_fetchall("SELECT 1 FROM users WHERE name = ?", (name,)):
                raise NotFound(f"user {name!r} does not exist")
            if scope is not None and not await db.execute_fetchall(
                "SELECT 1 FROM regions WHERE code = ?", (scope,)
            ):
                raise NotFound(f"scope region {scope} does not exist; import regions first")
            if sets:
                await db.execute(
                    f"UPDATE users SET {', '.join(sets)} WHERE name = ?", [*params, name]
                )
            await self._append_audit(db, audit)
            rows = await db.execute_fetchall(
                f"SELECT {_USER_COLS} FROM users WHERE name = ?", (name,)
            )
        return _user(tuple(list(rows)[0]))


def _with_object(audit: AuditRecord, object_id: int) -> AuditRecord:
    """Fill in the id of an object created in the same transaction."""
    if audit.object_id:
        return audit
    return AuditRecord(
        audit.actor,
        audit.action,
        audit.object_type,
        str(object_id),
        audit.detail,
        audit.content_hash,
    )
