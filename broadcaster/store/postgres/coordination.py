"""Leases and wake-ups across processes on PostgreSQL.

Leases are rows of ``leases`` whose expiry is on the *database* clock, so machines whose clocks
disagree still agree on who holds what. Wake-ups are LISTEN/NOTIFY on the store's channel: the
store NOTIFYs in the transaction that creates work, and PostgreSQL delivers it on commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

import asyncpg

from ...coordination import MEMBER_PREFIX, Coordinator, OnWork

if TYPE_CHECKING:
    from . import PostgresStore

log = logging.getLogger(__name__)

_NOW = "extract(epoch from clock_timestamp())"


class PgCoordinator(Coordinator):
    def __init__(self, store: PostgresStore) -> None:
        super().__init__()
        self.store = store
        self._listener: asyncio.Task[None] | None = None

    async def start(self, on_work: OnWork) -> None:
        if self._listener is None:
            ready = asyncio.Event()
            self._listener = asyncio.create_task(self._listen(on_work, ready), name="listen")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ready.wait(), self.store.options.connect_timeout)

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None

    async def _listen(self, on_work: OnWork, ready: asyncio.Event) -> None:
        """Hold one connection that LISTENs; reconnect with backoff when it is lost. After a
        reconnect every kind of work is signalled once: NOTIFYs sent meanwhile were missed."""

        def deliver(conn: Any, pid: int, channel: str, payload: str) -> None:
            on_work(payload)

        delay = 0.1
        first = True
        while True:
            conn = None
            try:
                conn = await self.store.connect()
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _conn, lost=lost: lost.set())
                await conn.add_listener(self.store.channel, deliver)
                ready.set()
                if not first:
                    on_work("plan")
                    on_work("send")
                    on_work("notice")
                first = False
                delay = 0.1
                # asyncpg reports a closed connection through the termination listener; a
                # half-open TCP connection is caught by the periodic probe
                while not lost.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), 5.0)
                    if not lost.is_set():
                        await conn.fetchval("SELECT 1", timeout=5.0)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure of the LISTEN connection: reconnect
                log.warning("LISTEN connection lost (%s); reconnecting in %.1f s", exc, delay)
            finally:
                if conn is not None and not conn.is_closed():
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=2)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def acquire(self, name: str, ttl: float) -> bool:
        async with self.store.pool.acquire() as conn:
            holder = await conn.fetchval(
                "INSERT INTO leases(name, holder, expires_at) "
                f"VALUES ($1, $2, {_NOW} + $3) "
                "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
                "expires_at = excluded.expires_at "
                f"WHERE leases.holder = excluded.holder OR leases.expires_at < {_NOW} "
                "RETURNING holder",
                name,
                self.holder,
                ttl,
            )
        return holder is not None

    async def release(self, name: str) -> None:
        async with self.store.pool.acquire() as conn:
            await conn.execute(
                "DELETE FROM leases WHERE name = $1 AND holder = $2", name, self.holder
            )

    async def members(self) -> int:
        async with self.store.pool.acquire() as conn:
            # a process killed with kill -9 leaves its membership row behind: remove it once
            # expired (rows of older versions, ``member:``, too), so the table does not grow
            try:
                await conn.execute(
                    "DELETE FROM leases WHERE (name LIKE $1 OR name LIKE 'member:%') "
                    f"AND expires_at < {_NOW}",
                    f"{MEMBER_PREFIX}%",
                )
            except asyncpg.PostgresError as exc:  # two processes cleaning at once: next round
                log.debug("expired membership rows not removed: %s", exc)
            count = await conn.fetchval(
                f"SELECT COUNT(*) FROM leases WHERE name LIKE $1 AND expires_at >= {_NOW}",
                f"{MEMBER_PREFIX}%",
            )
        return int(count)

    async def holders(self) -> dict[str, tuple[str, float]]:
        """Every unexpired lease: name → (holder, seconds left). For status and tests."""
        async with self.store.pool.acquire() as conn:
            rows = await conn.fetch(
                f"SELECT name, holder, expires_at - {_NOW} FROM leases "
                f"WHERE expires_at >= {_NOW} ORDER BY name"
            )
        return {str(r[0]): (str(r[1]), float(r[2])) for r in rows}
