"""The PostgreSQL store (asyncpg): many sender and web processes on many machines share one
database. Chosen by ``[store] url = "postgresql://…"``. The shared SQL of
:mod:`broadcaster.store.sql` on a connection pool (:mod:`.base`), with PostgreSQL's own
planning, claims and batched writes (:mod:`.writes`) and cross-process leases and wake-ups
(:mod:`.coordination`)."""

from __future__ import annotations

import inspect

from ..contract import Store
from ..sql.store import SqlStore
from .base import PgBase, PgOptions, retrying
from .coordination import PgCoordinator
from .writes import PgWrites


class PostgresStore(PgWrites, SqlStore, PgBase, Store):
    """PostgreSQL implementation of :class:`Store`; safe to share between processes."""

    def coordinator(self) -> PgCoordinator:
        """Leases and LISTEN/NOTIFY wake-ups for one process (see broadcaster.coordination)."""
        return PgCoordinator(self)


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
