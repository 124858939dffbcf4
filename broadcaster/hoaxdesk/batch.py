"""Group commit of hoax reports: many concurrent inbound events, one transaction.

A hoax spreads in bursts: the same message reported from hundreds of groups within minutes.
Each report handed to :meth:`ReportBatcher.submit` waits while one flusher task files whatever
has queued up with :func:`~.intake.file_reports` — one candidate lookup, one transaction, one
audit entry — and then wakes each waiter with its own acknowledgement. No timer: while one
batch commits the next one fills, so a lone report is filed at once. One batch at a time, so
each batch's clustering sees every case the batch before it opened (two variants of a new
hoax in flight together still land in one case).

``submit`` returns only after the transaction holding the report has committed, so the
acknowledgement a resident receives always names a stored case.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from ..errors import InputError, TransientError
from ..store.contract import Store
from .intake import DEFAULT_SIMILARITY, Pending, ReportAck, ReportIn, file_prepared, prepare

log = logging.getLogger(__name__)

#: most reports per transaction
MAX_BATCH = 200


@dataclass
class ReportBatcher:
    """Queue reports from concurrent events and file them in batches (see the module
    docstring). Bound to the event loop it is first used on."""

    store: Store
    salt: bytes
    similarity: float = DEFAULT_SIMILARITY
    max_batch: int = MAX_BATCH
    batches: int = 0  # committed, for benchmarks and tests
    _queue: list[tuple[Pending, asyncio.Future[ReportAck]]] = field(default_factory=list)
    _flusher: asyncio.Task[None] | None = None

    async def submit(self, report: ReportIn) -> ReportAck:
        """The report's acknowledgement once it is stored; InputError at once when empty."""
        pending = prepare(report)  # while the batch before commits (the GIL is free then)
        future: asyncio.Future[ReportAck] = asyncio.get_running_loop().create_future()
        self._queue.append((pending, future))
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush(), name="hoax-reports")
        return await future

    async def _flush(self) -> None:
        try:
            while self._queue:
                batch = self._queue[: self.max_batch]
                self._queue = self._queue[self.max_batch :]
                await self._commit(batch)
        except BaseException:  # cancelled at shutdown: nobody may wait forever
            for _, future in self._queue:
                if not future.done():
                    future.set_exception(TransientError("stopped before the report was stored"))
            self._queue = []
            raise
        finally:
            self._flusher = None

    async def _commit(self, batch: list[tuple[Pending, asyncio.Future[ReportAck]]]) -> None:
        try:
            acks = await file_prepared(
                self.store, [p for p, _ in batch], salt=self.salt, similarity=self.similarity
            )
        except asyncio.CancelledError:
            for _, future in batch:
                if not future.done():
                    future.set_exception(TransientError("stopped before the report was stored"))
            raise
        except Exception as exc:
            if len(batch) == 1 or not isinstance(exc, InputError | ValueError):
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                return
            log.warning("report batch of %d failed (%s); filing one by one", len(batch), exc)
            for item in batch:
                await self._commit([item])
            return
        self.batches += 1
        for (_, future), ack in zip(batch, acks, strict=True):
            if not future.done():
                future.set_result(ack)
