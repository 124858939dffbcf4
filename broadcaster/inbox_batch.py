"""Group commit of inbound votes: many concurrent webhook requests, one transaction.

A flood of votes arrives as many concurrent webhook requests, each worth a few rows. Committing
each alone costs one transaction (and on PostgreSQL several round trips) per vote; here every
request hands its vote to :meth:`VoteBatcher.submit` and waits, while one flusher task writes
whatever has queued up with a single :meth:`Store.record_votes` call (poll check, event-id
deduplication and vote upserts in one transaction) and then wakes each waiter with its own
outcome. No timer: while one batch commits, the next one fills, so a lone vote is written at
once and a flood is written in batches as large as the store's commit time allows. Up to
``Store.vote_batches_in_flight`` batches commit at once (PostgreSQL: while one waits for its
WAL flush, the next is already on its way); a resident's later vote, sent after the answer to
the earlier one, always lands in a later transaction, so the later vote wins.

Durability is unchanged: ``submit`` returns only after the transaction holding its vote has
committed, so the webhook still answers 200 only for a stored vote, and a crash before the
commit loses nothing the provider was told was received (it redelivers, and the event id makes
that redelivery count once).
"""

from __future__ import annotations

import asyncio
import logging

from .errors import DeliveryError, TransientError
from .store.contract import InboundVote, Store, VoteOutcome

log = logging.getLogger(__name__)

#: most votes per transaction (keeps one batch's statements and lock set small)
MAX_BATCH = 500

Waiter = tuple[InboundVote, "asyncio.Future[VoteOutcome]"]


class VoteBatcher:
    """Queue votes from concurrent requests and commit them in batches (see the module
    docstring). Bound to the event loop it is first used on."""

    def __init__(
        self, store: Store, max_batch: int = MAX_BATCH, in_flight: int | None = None
    ) -> None:
        self.store = store
        self.max_batch = max_batch
        #: most transactions at once (default: what the store says it can overlap)
        self.in_flight = max(1, in_flight or store.vote_batches_in_flight)
        self._queue: list[Waiter] = []
        self._flushers: set[asyncio.Task[None]] = set()
        self._unstarted: asyncio.Task[None] | None = None  # created, not yet run
        #: batches and votes committed, most flushers at once (for benchmarks and tests)
        self.batches = 0
        self.votes = 0
        self.peak_in_flight = 0

    async def submit(self, vote: InboundVote) -> VoteOutcome:
        """The outcome of ``vote`` once the transaction that holds it has committed; raises
        what the store raised when it could not be written."""
        future: asyncio.Future[VoteOutcome] = asyncio.get_running_loop().create_future()
        self._queue.append((vote, future))
        # a new flusher only when the running ones are all busy committing, one at a time:
        # it takes everything queued when it first runs, so batches stay as large as can be
        if self._unstarted is None and len(self._flushers) < self.in_flight:
            task = asyncio.create_task(self._flush(), name="inbox-votes")
            self._unstarted = task
            self._flushers.add(task)
            self.peak_in_flight = max(self.peak_in_flight, len(self._flushers))
            task.add_done_callback(self._finished)
        # the flusher task commits the vote: a waiter that is cancelled (the client hung up)
        # only cancels its future, never the batch
        return await future

    def _finished(self, task: asyncio.Task[None]) -> None:
        # only matters for a flusher cancelled before it ran (its own finally never ran)
        self._flushers.discard(task)
        if self._unstarted is task:
            self._unstarted = None

    async def _flush(self) -> None:
        me = asyncio.current_task()
        self._unstarted = None
        try:
            while self._queue:
                batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
                await self._commit(batch)
        except BaseException:  # cancelled at shutdown: nobody may wait forever
            _fail(self._queue, TransientError("inbox stopped before the vote was stored"))
            self._queue = []
            raise
        finally:
            # leave the set in the same step that saw the queue empty: a done callback would
            # run later, and a vote queued in between would find no flusher to take it
            if me is not None:
                self._flushers.discard(me)

    async def _commit(self, batch: list[Waiter]) -> None:
        try:
            outcomes = await self.store.record_votes([vote for vote, _ in batch])
        except asyncio.CancelledError:
            _fail(batch, TransientError("inbox stopped before the vote was stored"))
            raise
        except Exception as exc:
            if len(batch) == 1 or isinstance(exc, DeliveryError):
                _fail(batch, exc)  # the store is unavailable, or the one vote is bad
                return
            # one bad vote must not fail the others: commit each alone, so only it fails
            log.warning("vote batch of %d failed (%s); storing them one by one", len(batch), exc)
            for waiter in batch:
                await self._commit([waiter])
            return
        self.batches += 1
        self.votes += len(batch)
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if not future.done():
                future.set_result(outcome)


def _fail(waiters: list[Waiter], exc: Exception) -> None:
    for _, future in waiters:
        if not future.done():
            future.set_exception(exc)
