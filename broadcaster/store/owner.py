"""One ``broadcaster run`` per SQLite store, enforced by the operating system.

SQLite has one writer, and the engine assumes the process serving a SQLite store is the only
one (it requeues every delivery in flight at start and holds every account lease and the
scheduler). A second service on the same file would send everything twice and requeue the first
one's deliveries. So every ``run`` with the ``sender`` or ``scheduler`` role owns the store;
``--role web`` processes (stateless: webhooks, dashboard, API) do not, and may run beside it.

:func:`owning_store` takes an exclusive ``flock`` on ``<database>.lock`` (beside the database
file) for the lifetime of the service and writes the process id into it. The OS releases the lock
when the process ends in any way, ``kill -9`` included, so a stale lock file never blocks a
restart. Another ``run`` finds the lock taken and stops at once with a
:class:`~broadcaster.errors.Conflict` naming the store and the running process. CLI commands do
not take the lock: they keep working beside the service (short transactions, WAL mode).

PostgreSQL stores are shared by design (leases decide who does what): no lock for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import AsyncIterator
from pathlib import Path

from ..errors import Conflict


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite store URL (as :func:`~broadcaster.store.open_store` reads
    it), or None for a PostgreSQL store."""
    if url.startswith(("postgresql://", "postgres://")):
        return None
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
    elif "://" in url:
        return None  # open_store refuses it with a clear message
    else:
        path = url
    return None if path in ("", ":memory:") else Path(path)


class StoreLock:
    """An exclusive lock on one SQLite store, held until :meth:`release`."""

    def __init__(self, database: Path) -> None:
        self.database = database.resolve()
        self.path = self.database.with_name(self.database.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise Conflict naming the process that holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            who = f"pid {holder}" if holder is not None else "another process"
            raise Conflict(
                f"the SQLite store {self.database} is in use by another `broadcaster run` "
                f"({who}); stop that process first. Only one service may run on a SQLite "
                "store (use PostgreSQL to run several)"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Give the lock back (the file stays: removing it would race with a new owner)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


@contextlib.asynccontextmanager
async def owning_store(url: str, engine_roles: bool = True) -> AsyncIterator[StoreLock | None]:
    """Hold the store's lock while the body runs; raises Conflict when another service holds
    it. Nothing for PostgreSQL, nor for a process without the engine roles (``engine_roles``
    False: web only)."""
    database = sqlite_file(url)
    if database is None or not engine_roles:
        yield None
        return
    lock = StoreLock(database)
    await asyncio.to_thread(lock.acquire)
    try:
        yield lock
    finally:
        lock.release()
