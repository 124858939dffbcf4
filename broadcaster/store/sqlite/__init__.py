"""The embedded SQLite store (aiosqlite, WAL, one writer)."""

from __future__ import annotations

from ..contract import Store
from ..records import AuditEntry, AuditRecord
from ..sql_selfservice import SelfServiceSql
from ..sqlreads import AuditReads
from .batch import BatchMixin
from .channels import ChannelMixin
from .content import ContentMixin
from .directory import DirectoryMixin
from .dispatch import DispatchMixin
from .inbox import InboxMixin
from .web import WebMixin


class SqliteStore(
    DirectoryMixin,
    ContentMixin,
    DispatchMixin,
    InboxMixin,
    WebMixin,
    ChannelMixin,
    BatchMixin,
    SelfServiceSql,
    AuditReads,
    Store,
):
    """SQLite implementation of :class:`Store`. One process owns the file at a time."""

    async def audit(self, record: AuditRecord) -> AuditEntry:
        async with self._tx() as db:
            return await self._append_audit(db, record)


__all__ = ["SqliteStore"]
