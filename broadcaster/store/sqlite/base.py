"""SQLite connection handling: one connection and one writer, explicit transactions (each a
:class:`SqliteTx` for the shared SQL of :mod:`broadcaster.store.sql`), versioned migrations,
and the audit append that every mutation shares."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, ClassVar, cast

import aiosqlite

from ...audit import GENESIS, chain_entry
from ...coordination import OnWork
from ...errors import BroadcasterError
from ...files import private_file, tighten
from ..records import AuditEntry, AuditRecord
from ..sql.audit import insert_entry
from ..sql.base import APPLIED_MIGRATIONS, Dialect, Row, SqlBase, Tx, bundled_migrations

SQLITE = Dialect(
    # Every group query reads the region index: left to itself the planner prefers the
    # (channel, account, address) index whenever a channel is named, which sorts the whole
    # channel in a temporary B-tree for every page and reads groups outside the subtree.
    groups_by_region="groups INDEXED BY ix_groups_region",
)


class SqliteTx:
    """A transaction on the one connection (see :class:`~broadcaster.store.sql.base.Tx`).
    A failed statement is rolled back alone (SQLite's default), so savepoints are not needed."""

    duplicate: tuple[type[BaseException], ...] = (sqlite3.IntegrityError,)
    foreign_key: tuple[type[BaseException], ...] = (sqlite3.IntegrityError,)

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db

    async def fetch(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        # rows are tuples already (the connection has no row factory)
        return cast(list[Row], await self.db.execute_fetchall(sql, tuple(params)))

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        cursor = await self.db.execute(sql, tuple(params))
        return max(cursor.rowcount, 0)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self.db.executemany(sql, rows)

    async def copy(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        marks = ",".join("?" * len(columns))
        await self.db.executemany(
            f"INSERT INTO {table}({', '.join(columns)}) VALUES ({marks})", rows
        )

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        yield


def _migrations() -> list[tuple[int, str]]:
    """This engine's bundled migrations as (version, sql), in order."""
    return bundled_migrations(__package__ + ".migrations")


class SqliteBase(SqlBase):
    """Owns the aiosqlite connection. Every statement runs under ``_lock`` so transactions
    from concurrent coroutines never interleave on the single connection."""

    dialect: ClassVar[Dialect] = SQLITE

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._on_work: OnWork | None = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise BroadcasterError("the store is not open")
        return self._db

    async def open(self) -> None:
        if self._db is not None:
            return
        if str(self.path) != ":memory:":
            # owner-only; SQLite gives the -wal and -shm files the database file's mode
            await asyncio.to_thread(self._private_files)
        db = await aiosqlite.connect(str(self.path), isolation_level=None)
        # WAL + synchronous=NORMAL survives a process crash (kill -9) without losing a commit;
        # only an OS crash or power loss can drop the last transactions.
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=10000",
            "PRAGMA cache_size=-16000",
        ):
            await db.execute(pragma)
        self._db = db
        await self._migrate()

    def _private_files(self) -> None:
        # owner-only; SQLite gives the -wal and -shm files the database file's mode
        private_file(self.path)
        for suffix in ("-wal", "-shm"):
            tighten(self.path.with_name(self.path.name + suffix))

    async def close(self) -> None:
        if self._db is not None:
            db, self._db = self._db, None
            await db.close()

    async def _migrate(self) -> None:
        async with self._tx() as db:
            await db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)"
            )
            rows = await db.fetch(APPLIED_MIGRATIONS)
            applied = {int(r[0]) for r in rows}
            for version, sql in _migrations():
                if version in applied:
                    continue
                for statement in _split_sql(sql):
                    await db.execute(statement)
                await db.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?)", (version, time.time())
                )

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[SqliteTx]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT, rolled back on error)."""
        async with self._lock:
            db = self.db
            await db.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteTx(db)
            except BaseException:
                await db.execute("ROLLBACK")
                raise
            else:
                await db.execute("COMMIT")

    async def _fetch(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        async with self._lock:
            return [tuple(r) for r in await self.db.execute_fetchall(sql, tuple(params))]

    def listen(self, on_work: OnWork | None) -> None:
        """Hand every wake-up of this store to ``on_work`` (None: to nobody): one process owns
        the file, so its own engine is the only one to tell (see LocalCoordinator)."""
        self._on_work = on_work

    async def _notify(self, db: Tx, what: str) -> None:
        """Tell this process's listener at once: it only sets events, and what it wakes reads
        under the same lock, so after this transaction commits."""
        if self._on_work is not None:
            self._on_work(what)

    async def _append_audit(self, db: Tx, record: AuditRecord) -> AuditEntry:
        """Append inside the caller's transaction, chained to the current head (the one
        writer holds the database, so the head cannot move meanwhile)."""
        rows = await db.fetch("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        seq, prev = (int(rows[0][0]) + 1, str(rows[0][1])) if rows else (1, GENESIS)
        entry = chain_entry(record, seq, prev, time.time())
        await insert_entry(db, entry)
        await db.execute(
            "INSERT INTO meta(key, value) VALUES ('audit_head', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (f"{entry.seq}:{entry.hash}",),
        )
        return entry


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies (BEGIN … END;) whole."""
    statements: list[str] = []
    current: list[str] = []
    in_trigger = False
    for line in script.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("--")):
            continue
        current.append(line)
        upper = stripped.upper()
        if upper.startswith("CREATE TRIGGER"):
            in_trigger = True
        if (in_trigger and upper.endswith("END;")) or (not in_trigger and stripped.endswith(";")):
            statements.append("\n".join(current))
            current = []
            in_trigger = False
    if current and "".join(current).strip():
        statements.append("\n".join(current))
    return statements
