"""Coordination between processes sharing one store: named leases and wake-ups.

A *lease* gives one process at a time a piece of work that must not run twice at once: a channel
account's sender (so the account's rate limit, kept in that process's limiter, holds across the
whole cluster) or the scheduler. The holder renews it every ``ttl / 3``; when the holder dies the
lease expires and another process takes it over (and, for an account, requeues the deliveries
the dead holder had claimed).

*Wake-ups* tell idle processes that work appeared elsewhere (a dispatch was created, deliveries
were queued), so they need not poll.

The core only sees :class:`Coordinator`. A store that can coordinate several processes offers a
``coordinator()`` factory (PostgreSQL: a lease table and LISTEN/NOTIFY); any other store — the
embedded SQLite file, owned by one process — gets :class:`LocalCoordinator`, which grants every
lease at once.
"""

from __future__ import annotations

import os
import secrets
import socket
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Protocol, runtime_checkable

OnWork = Callable[[str], None]


def holder_id() -> str:
    """This process, readable in the lease table: host, pid and a random suffix (a pid may be
    reused after a restart, and hosts may share pids)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Coordinator(ABC):
    """Leases and wake-ups for one process."""

    #: True when this process is the only one using the store (leases are trivially held)
    exclusive: bool = False

    def __init__(self) -> None:
        self.holder = holder_id()

    @abstractmethod
    async def start(self, on_work: OnWork) -> None:
        """Begin delivering wake-ups: ``on_work`` gets ``"plan"``, ``"send"`` or
        ``"notice:<account>"`` (see :class:`broadcaster.engine.work.WorkSignal`)."""

    @abstractmethod
    async def stop(self) -> None:
        """Stop listening. Idempotent."""

    @abstractmethod
    async def acquire(self, name: str, ttl: float) -> bool:
        """Take the lease ``name`` for ``ttl`` seconds, or renew it when this process holds it.
        False while another live process holds it."""

    @abstractmethod
    async def release(self, name: str) -> None:
        """Give the lease up at once (a clean stop), so another process need not wait."""

    @abstractmethod
    async def members(self) -> int:
        """How many sender processes are alive (hold an unexpired ``sender:`` membership lease);
        expired membership rows are removed on the way."""


@runtime_checkable
class Listenable(Protocol):
    """A store owned by one process that tells that process's listener of new work."""

    def listen(self, on_work: OnWork | None) -> None: ...


class LocalCoordinator(Coordinator):
    """One process owns the store: every lease is granted, wake-ups stay in-process (the
    store's ``_notify`` calls ``on_work`` directly)."""

    exclusive = True

    def __init__(self, store: object = None) -> None:
        super().__init__()
        self.store = store

    async def start(self, on_work: OnWork) -> None:
        if isinstance(self.store, Listenable):
            self.store.listen(on_work)

    async def stop(self) -> None:
        if isinstance(self.store, Listenable):
            self.store.listen(None)

    async def acquire(self, name: str, ttl: float) -> bool:
        return True

    async def release(self, name: str) -> None:
        return None

    async def members(self) -> int:
        return 1


@runtime_checkable
class Coordinating(Protocol):
    """A store that coordinates several processes."""

    def coordinator(self) -> Coordinator: ...


def coordinator_for(store: object) -> Coordinator:
    """The store's own coordinator when it has one, else a :class:`LocalCoordinator`."""
    if isinstance(store, Coordinating):
        return store.coordinator()
    return LocalCoordinator(store)


SCHEDULER_LEASE = "scheduler"


#: a live sender process holds ``sender:<holder>`` (older versions wrote ``member:<holder>``)
MEMBER_PREFIX = "sender:"


def member_lease(holder: str) -> str:
    return f"{MEMBER_PREFIX}{holder}"


def account_lease(account: str) -> str:
    return f"account:{account}"
