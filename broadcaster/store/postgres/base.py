"""PostgreSQL connection handling: an asyncpg pool, explicit transactions (each a :class:`PgTx`
for the shared SQL of :mod:`broadcaster.store.sql`, whose ``?`` placeholders it rewrites),
versioned migrations under an advisory lock, retry of lost connections, NOTIFY, and the audit
append that every mutation shares."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import random
import re
import socket
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, TypeAlias

import asyncpg

from ...audit import GENESIS, chain_entry
from ...errors import BroadcasterError, ConfigError, TransientError
from ..records import AuditEntry, AuditRecord
from ..sql.audit import insert_entry
from ..sql.base import APPLIED_MIGRATIONS, Dialect, Row, SqlBase, Tx, bundled_migrations

log = logging.getLogger(__name__)
#: ``broadcaster run --debug-sql`` turns this logger (with aiosqlite's) to DEBUG; asyncpg itself
#: logs no statements, so each connection gets a query logger then (statements and timings only:
#: the arguments hold addresses and other personal data)
SQL_LOG = logging.getLogger("asyncpg")


def _log_statement(query: Any) -> None:
    outcome = f" failed: {query.exception!r}" if query.exception is not None else ""
    SQL_LOG.debug("%s (%.1f ms)%s", " ".join(query.query.split()), query.elapsed * 1000, outcome)


async def _watch_statements(conn: Conn) -> None:
    """Pool ``init``: log this connection's statements when SQL debugging is on."""
    if SQL_LOG.isEnabledFor(logging.DEBUG):
        conn.add_query_logger(_log_statement)


# asyncpg ships no type information: connections are untyped to mypy
Conn: TypeAlias = Any

POSTGRES = Dialect(
    byte_order=' COLLATE "C"',
    greatest="GREATEST",
    for_update=" FOR UPDATE",
    json_array="json_agg",
    # content is stored as JSON text; the cast is per row, cheap for the dashboard's page sizes
    target_regions="jsonb_array_elements_text(a.content::jsonb -> 'target' -> 'regions') AS t(v)",
)

# Errors after which the same work, run again on a fresh connection, is expected to succeed:
# the connection or server went away (class 08, admin shutdown, refused/reset sockets, a
# connect timeout), or PostgreSQL asked for a retry (serialization failure, deadlock).
RETRYABLE: tuple[type[BaseException], ...] = (
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.OperatorInterventionError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
    # a connection the server terminated while idle in the pool can surface as a protocol
    # state error on its next use; the pool discards it and the retry gets a fresh one
    asyncpg.InternalClientError,
    ConnectionError,
    OSError,
    TimeoutError,
)


def lost_connection(exc: BaseException) -> bool:
    """True when ``exc`` means the connection went away (so the same work on a fresh one may
    succeed): a :data:`RETRYABLE` error, or asyncpg's ``InterfaceError`` about a closed
    connection — what a transaction's exit raises, replacing the original error, when the
    server terminated the connection mid-statement (``pg_terminate_backend``)."""
    if isinstance(exc, RETRYABLE):
        return True
    return isinstance(exc, asyncpg.InterfaceError) and "connection is closed" in str(exc)


_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class PgOptions:
    """Pool size and timeouts (``[store]`` in config.toml)."""

    schema: str = "public"
    pool_min: int = 1
    pool_max: int = 10
    connect_timeout: float = 10.0
    command_timeout: float = 60.0
    # how long a lost connection is retried (with backoff) before an operation gives up
    retry_for: float = 60.0
    # shown in pg_stat_activity, so an operator can find (or terminate) one process's
    # connections: broadcaster:<role>:<host>:<pid> (see application_name())
    application_name: str = ""


def application_name(role: str) -> str:
    """``broadcaster:<role>:<host>:<pid>`` within PostgreSQL's 63 bytes (the host is cut, never
    the pid)."""
    head, tail = f"broadcaster:{role}:", f":{os.getpid()}"
    host = socket.gethostname().encode()[: max(0, 63 - len(head) - len(tail))]
    return head + host.decode(errors="ignore") + tail


def migrations() -> list[tuple[int, str]]:
    """This engine's bundled migrations as (version, sql), in order."""
    return bundled_migrations(__package__ + ".migrations")


@functools.lru_cache(maxsize=2048)
def q(sql: str) -> str:
    """SQLite-style ``?`` placeholders as PostgreSQL's ``$1, $2, …`` (our SQL never holds a
    literal question mark), so both engines share their predicate builders."""
    parts = sql.split("?")
    out = [parts[0]]
    for n, part in enumerate(parts[1:], 1):
        out.append(f"${n}{part}")
    return "".join(out)


def affected(status: str) -> int:
    """Rows touched, from a command status such as ``UPDATE 3``."""
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def retrying(method: Any) -> Any:
    """Run ``method`` again, with backoff, while it fails on a lost connection.

    Every method of the store is one transaction (or a read), and a failed transaction was
    rolled back, so running it again is safe. Only a connection lost during COMMIT is ambiguous:
    the work may have been committed; every write of the store is idempotent or keyed (fire
    keys, unique deliveries, ON CONFLICT), so a repeat changes nothing more.
    """

    @functools.wraps(method)
    async def wrapper(self: PgBase, *args: Any, **kwargs: Any) -> Any:
        deadline = time.monotonic() + self.options.retry_for
        delay = 0.05
        while True:
            try:
                return await method(self, *args, **kwargs)
            except Exception as exc:
                if not lost_connection(exc):
                    raise
                if self._pool is None or time.monotonic() + delay > deadline:
                    raise TransientError(f"database unavailable: {exc}") from exc
                log.warning("database connection lost (%s); retrying in %.2f s", exc, delay)
                await asyncio.sleep(delay * (0.5 + random.random() / 2))
                delay = min(delay * 2, 2.0)

    return wrapper


class PgTx:
    """A transaction on one pooled connection (see :class:`~broadcaster.store.sql.base.Tx`)."""

    duplicate: tuple[type[BaseException], ...] = (asyncpg.UniqueViolationError,)
    foreign_key: tuple[type[BaseException], ...] = (asyncpg.ForeignKeyViolationError,)

    def __init__(self, conn: Conn, schema: str) -> None:
        self.conn = conn
        self.schema = schema

    async def fetch(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        return [tuple(r) for r in await self.conn.fetch(q(sql), *params)]

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        return affected(await self.conn.execute(q(sql), *params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self.conn.executemany(q(sql), rows)

    async def copy(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        await self.conn.copy_records_to_table(
            table, records=rows, columns=list(columns), schema_name=self.schema
        )

    def savepoint(self) -> Any:
        return self.conn.transaction()


class PgBase(SqlBase):
    """Owns the asyncpg pool. Every mutation is one transaction on one pooled connection."""

    dialect: ClassVar[Dialect] = POSTGRES

    def __init__(self, url: str, options: PgOptions | None = None) -> None:
        self.url = url
        self.options = options or PgOptions()
        if not _SCHEMA_NAME.match(self.options.schema):
            raise ConfigError(f"[store] schema: {self.options.schema!r} is not a plain name")
        self._pool: Any = None

    @property
    def pool(self) -> Any:
        if self._pool is None:
            raise BroadcasterError("the store is not open")
        return self._pool

    @property
    def schema(self) -> str:
        return self.options.schema

    def _settings(self) -> dict[str, str]:
        """Session settings of every connection: the schema, and who opened it."""
        name = self.options.application_name or application_name("cli")
        return {"search_path": self.schema, "application_name": name}

    async def connect(self, **settings: str) -> Conn:
        """A separate connection on this store's schema (LISTEN, leases, tests)."""
        conn = await asyncpg.connect(
            self.url,
            timeout=self.options.connect_timeout,
            command_timeout=self.options.command_timeout,
            server_settings={**self._settings(), **settings},
        )
        await _watch_statements(conn)
        return conn

    async def open(self) -> None:
        if self._pool is not None:
            return
        deadline = time.monotonic() + self.options.retry_for
        delay = 0.1
        while True:
            try:
                await self._create_schema()
                self._pool = await asyncpg.create_pool(
                    self.url,
                    min_size=self.options.pool_min,
                    max_size=self.options.pool_max,
                    timeout=self.options.connect_timeout,
                    command_timeout=self.options.command_timeout,
                    server_settings=self._settings(),
                    init=_watch_statements,
                )
                break
            except RETRYABLE as exc:
                if time.monotonic() + delay > deadline:
                    raise TransientError(f"database unreachable at start: {exc}") from exc
                log.warning("database not reachable (%s); retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            except asyncpg.InvalidCatalogNameError as exc:
                raise ConfigError(f"[store] url: {exc}") from exc
            except asyncpg.InvalidAuthorizationSpecificationError as exc:
                raise ConfigError(f"[store] url: {exc}") from exc
        await self.migrate()

    async def _create_schema(self) -> None:
        if self.schema == "public":
            return
        conn = await asyncpg.connect(
            self.url, timeout=self.options.connect_timeout, server_settings=self._settings()
        )
        try:
            # IF NOT EXISTS still races: two processes creating it at once, one loses with a
            # unique violation — and the schema exists, which is all this wants
            with contextlib.suppress(asyncpg.UniqueViolationError):
                await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
        finally:
            await conn.close()

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    async def migrate(self) -> list[int]:
        """Apply pending migrations (one transaction each, under an advisory lock so processes
        starting together apply each one once); return the versions applied."""
        applied_now: list[int] = []
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.migrations'))"
            )
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)"
            )
            done = {int(r[0]) for r in await conn.fetch(APPLIED_MIGRATIONS)}
            for version, sql in migrations():
                if version in done:
                    continue
                await conn.execute(sql)
                await conn.execute(
                    "INSERT INTO schema_migrations VALUES ($1, $2)", version, time.time()
                )
                applied_now.append(version)
        return applied_now

    async def pending_migrations(self) -> list[int]:
        rows = await self._fetch(APPLIED_MIGRATIONS)
        done = {int(r[0]) for r in rows}
        return [v for v, _ in migrations() if v not in done]

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[PgTx]:
        """One transaction on a pooled connection (committed on success, else rolled back)."""
        async with self.pool.acquire() as conn, conn.transaction():
            yield PgTx(conn, self.schema)

    async def _fetch(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """A read with ``?`` placeholders, retried while the connection is lost."""
        deadline = time.monotonic() + self.options.retry_for
        delay = 0.05
        while True:
            try:
                async with self.pool.acquire() as conn:
                    rows = await conn.fetch(q(sql), *params)
                return [tuple(r) for r in rows]
            except Exception as exc:
                if not lost_connection(exc):
                    raise
                if time.monotonic() + delay > deadline:
                    raise TransientError(f"database unavailable: {exc}") from exc
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    @property
    def channel(self) -> str:
        """The LISTEN/NOTIFY channel of this store (one per schema)."""
        return f"broadcaster_{self.schema}"

    async def _notify(self, db: Tx, what: str) -> None:
        """NOTIFY the store's channel; PostgreSQL delivers it when ``db`` commits."""
        await db.execute("SELECT pg_notify(?, ?)", (self.channel, what))

    async def _append_audit(self, db: Tx, record: AuditRecord) -> AuditEntry:
        """Append inside the caller's transaction, chained to the current head. Locking the
        head row serialises appends from every process into one chain."""
        rows = await db.fetch("SELECT value FROM meta WHERE key = 'audit_head' FOR UPDATE")
        if rows and rows[0][0]:
            last, prev = str(rows[0][0]).split(":", 1)
            seq = int(last) + 1
        else:
            seq, prev = 1, GENESIS
        entry = chain_entry(record, seq, prev, time.time())
        await insert_entry(db, entry)
        await db.execute(
            "UPDATE meta SET value = ? WHERE key = 'audit_head'", (f"{entry.seq}:{entry.hash}",)
        )
        return entry
