"""The PostgreSQL store (asyncpg): many sender and web processes on many machines share one
database. Chosen by ``[store] url = "postgresql://…"``."""

from __future__ import annotations

import inspect

from ..contract import Store
from ..records import AuditEntry, AuditRecord
from ..sql_selfservice import SelfServiceSql
from ..sqlreads import AuditReads
from .base import PgBase, PgOptions, retrying
from .batch import BatchMixin
from .channels import ChannelMixin
from .content import ContentMixin
from .coordination import PgCoordinator
from .directory import DirectoryMixin
from .dispatch import DispatchMixin
from .inbox import InboxMixin
from .web import WebMixin


class PostgresStore(
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
    """PostgreSQL implementation of :class:`Store`; safe to share between processes."""

    def coordinator(self) -> PgCoordinator:
        """Leases and LISTEN/NOTIFY wake-ups for one process (see broadcaster.coordination)."""
        return PgCoordinator(self)

    async def audit(self, record: AuditRecord) -> AuditEntry:
        async with self._tx() as db:
            return await self._append_audit(db, record)


def _wrap_contract_methods(cls: type[PgBase]) -> None:
    """Every coroutine of the contract retries on a lost connection (see :func:`retrying`):
    one place, so no method can forget it. Streams page through ``_fetch``, which retries."""
    skip = {"open", "close", "__aenter__", "__aexit__"}
    for name in dir(Store):
        if name in skip or name.startswith("_"):
            continue
        method = getattr(cls, name, None)
        if inspect.iscoroutinefunction(method):
            setattr(cls, name, retrying(method))


_wrap_contract_methods(PostgresStore)

__all__ = ["PgOptions", "PostgresStore"]
