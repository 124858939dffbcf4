"""The interface the shared SQL is written against: a transaction (:class:`Tx`), the spellings
that differ per engine (:class:`Dialect`), and the hooks each engine's base class provides
(:class:`SqlBase`)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence, Sized
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from importlib import resources
from typing import Any, ClassVar, Protocol

from ..records import AuditEntry, AuditRecord

Row = tuple[Any, ...]

WORK_PLAN = "plan"  # a dispatch waits for planning
WORK_SEND = "send"  # deliveries were queued
WORK_NOTICE = "notice"  # a notice was queued: ``notice:<account>`` (see engine.work)


class Tx(Protocol):
    """One open transaction. SQL uses ``?`` placeholders on both engines."""

    #: exception types the engine raises when a unique key is taken / a foreign key is missing
    duplicate: tuple[type[BaseException], ...]
    foreign_key: tuple[type[BaseException], ...]

    async def fetch(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Rows of one statement (a read, or a write with ``RETURNING``)."""
        ...

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement; the number of rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for each row of parameters."""
        ...

    async def copy(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert many rows into ``table`` (PostgreSQL: COPY; SQLite: one prepared INSERT)."""
        ...

    def savepoint(self) -> AbstractAsyncContextManager[Any]:
        """A nested transaction, so a failed statement inside it leaves the outer one usable
        (PostgreSQL aborts the whole transaction on an error otherwise)."""
        ...


@dataclass(frozen=True)
class Dialect:
    """The spellings that differ between the engines."""

    #: the groups table as every subtree read should scan it (SQLite: an INDEXED BY hint)
    groups_by_region: str = "groups"
    #: appended to an ORDER BY on text to order by bytes (PostgreSQL's default is locale order)
    byte_order: str = ""
    #: the larger of two values (SQLite's two-argument MAX, PostgreSQL's GREATEST)
    greatest: str = "MAX"
    #: appended to a SELECT that should lock the rows it reads until the transaction ends
    for_update: str = ""
    #: aggregate of values into a JSON array (returned as text)
    json_array: str = "json_group_array"
    #: a set-returning expression over the content's target regions of announcement ``a``,
    #: yielding a column ``v``
    target_regions: str = "(SELECT value AS v FROM json_each(a.content, '$.target.regions'))"


class SqlBase(ABC):
    """What each engine's base class provides to the shared mixins of this package."""

    dialect: ClassVar[Dialect]

    @abstractmethod
    def _tx(self) -> AbstractAsyncContextManager[Tx]:
        """One write transaction (committed on success, rolled back on error)."""

    @abstractmethod
    async def _fetch(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Rows of one statement run on its own (``?`` placeholders) as tuples."""

    @abstractmethod
    async def _append_audit(self, db: Tx, record: AuditRecord) -> AuditEntry:
        """Append ``record`` to the audit chain inside the caller's transaction."""

    async def schema_version(self) -> int:
        """The newest migration applied."""
        rows = await self._fetch("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        return int(rows[0][0])

    @abstractmethod
    async def _notify(self, db: Tx, what: str) -> None:
        """Say, when ``db`` commits, that work of kind ``what`` was created (:data:`WORK_PLAN`,
        :data:`WORK_SEND`, :data:`WORK_NOTICE`), to the store's other processes (and, for a
        store one process owns, to that process's own listener)."""


#: the migration versions a database has applied
APPLIED_MIGRATIONS = "SELECT version FROM schema_migrations"


def bundled_migrations(package: str) -> list[tuple[int, str]]:
    """The migrations shipped in ``package`` as (version, sql), in order. File names start
    with the version; each engine ships its own (the DDL differs), numbered alike."""
    found = []
    for entry in resources.files(package).iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text("utf-8")))
    return sorted(found)


def marks(values: Sized) -> str:
    """``?,?,…`` for an IN list of ``values``."""
    return ",".join("?" * len(values))


def with_object(audit: AuditRecord, object_id: int) -> AuditRecord:
    """Fill in the id of an object created in the same transaction."""
    if audit.object_id:
        return audit
    return AuditRecord(
        actor=audit.actor,
        action=audit.action,
        object_type=audit.object_type,
        object_id=str(object_id),
        detail=audit.detail,
        content_hash=audit.content_hash,
    )
