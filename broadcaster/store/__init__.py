"""Persistence: the Store contract (:mod:`.contract`, one interface per role), its records
(:mod:`.records`), the SQL written once for both engines (:mod:`.sql`) and the two engines
(:mod:`.sqlite`, :mod:`.postgres`), chosen by URL in :func:`open_store`."""

from __future__ import annotations

from typing import Protocol

from .contract import Store
from .records import *  # noqa: F403

__all__ = ["PoolSettings", "Store", "open_store"]


class PoolSettings(Protocol):
    """What :func:`open_store` reads of ``[store]`` (a ``StoreConfig``, or the cached
    :class:`~broadcaster.config_cache.StoreOptions`)."""

    @property
    def schema_name(self) -> str: ...
    @property
    def pool_min(self) -> int: ...
    @property
    def pool_max(self) -> int: ...
    @property
    def connect_timeout(self) -> float: ...
    @property
    def command_timeout(self) -> float: ...
    @property
    def retry_for(self) -> float: ...


def open_store(url: str, config: PoolSettings | None = None, role: str = "cli") -> Store:
    """A store for ``url``: ``sqlite:///path/to/file.db`` (or a bare path), or
    ``postgresql://user@host:port/db`` (pool size, timeouts and schema from ``config``; every
    connection's ``application_name`` is ``broadcaster:<role>:<host>:<pid>``)."""
    from ..errors import ConfigError

    if url.startswith(("postgresql://", "postgres://")):
        from .postgres import PgOptions, PostgresStore
        from .postgres.base import application_name

        options = PgOptions(application_name=application_name(role))
        if config is not None:
            options = PgOptions(
                application_name=options.application_name,
                schema=config.schema_name,
                pool_min=config.pool_min,
                pool_max=config.pool_max,
                connect_timeout=config.connect_timeout,
                command_timeout=config.command_timeout,
                retry_for=config.retry_for,
            )
        return PostgresStore(url, options)
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
    elif "://" in url:
        raise ConfigError(
            f"[store] url: unsupported scheme in {url!r}; use sqlite:///FILE or postgresql://…"
        )
    else:
        path = url
    from .sqlite import SqliteStore

    return SqliteStore(path)
