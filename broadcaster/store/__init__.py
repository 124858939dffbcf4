"""Persistence: the Store contract and its implementations."""

from .contract import Store
from .records import *  # noqa: F403

__all__ = ["Store", "open_store"]


def open_store(url: str) -> Store:
    """A store for ``url``: ``sqlite:///path/to/file.db`` (or a bare path)."""
    from ..errors import ConfigError

    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
    elif url.startswith(("postgresql://", "postgres://")):
        raise ConfigError(
            "[store] url: PostgreSQL is not available in this version; use sqlite:///FILE"
        )
    elif "://" in url:
        raise ConfigError(f"[store] url: unsupported scheme in {url!r}; use sqlite:///FILE")
    else:
        path = url
    from .sqlite import SqliteStore

    return SqliteStore(path)
