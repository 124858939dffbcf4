"""The embedded SQLite store (aiosqlite, WAL, one writer): the shared SQL of
:mod:`broadcaster.store.sql` on one connection (:mod:`.base`), with SQLite's own planning,
claims and batched writes (:mod:`.writes`)."""

from __future__ import annotations

from ..contract import Store
from ..sql.store import SqlStore
from .base import SqliteBase
from .writes import SqliteWrites


class SqliteStore(SqliteWrites, SqlStore, SqliteBase, Store):
    """SQLite implementation of :class:`Store`. One process owns the file at a time."""


__all__ = ["SqliteStore"]
