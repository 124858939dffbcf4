"""Group commit of votes: ``Store.record_votes`` (contract, both engines) and the
:class:`~broadcaster.inbox_batch.VoteBatcher` that feeds it from concurrent requests."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from broadcaster.adapter import InboundEvent
from broadcaster.inbox import Inbox
from broadcaster.inbox_batch import VoteBatcher
from broadcaster.store.contract import InboundVote, Store, VoteOutcome
from broadcaster.store.records import PollRef
from tests.seed import seed_regions

from .conftest import Reopen
from .support import add_groups, group, new_announcement, new_dispatch

RT = "3671010001.RW001.RT001"  # a real RT of the seeded sample (Kota Serang)

#: what each engine raises for text it cannot encode (sqlite3, asyncpg)
ENCODING_ERRORS = (UnicodeEncodeError, asyncpg.DataError)

applied, duplicate, unknown = VoteOutcome.applied, VoteOutcome.duplicate, VoteOutcome.unknown_poll


async def polls(store: Store, n: int = 2) -> int:
    """``n`` groups each sent poll ``p<i>`` of one announcement on account tg; its id."""
    await seed_regions(store)
    groups = await add_groups(store, [group(RT, f"-100{i}") for i in range(n)])
    record = await new_announcement(store)
    dispatch = await new_dispatch(store, {"regions": ["36"]}, announcement_id=record.id)
    await store.add_polls(
        [
            PollRef(
                account="tg",
                poll_id=f"p{i}",
                announcement_id=record.id,
                dispatch_id=dispatch.id,
                group_id=g.id,
            )
            for i, g in enumerate(groups)
        ]
    )
    return record.id


def vote(event: str, poll: str, voter: str, *options: int, account: str = "tg") -> InboundVote:
    return InboundVote(
        account=account, event_id=f"vote:{event}", poll_id=poll, voter=voter, options=options
    )


async def counts(store: Store, announcement: int) -> list[tuple[int, ...]]:
    return [t.counts for t in await store.poll_tally(announcement, 3)]


async def test_batch_dedups_checks_polls_and_lets_the_last_vote_win(store: Store) -> None:
    announcement = await polls(store)
    assert await store.record_votes([]) == []
    assert await store.record_votes([vote("e0", "p0", "carol", 2)]) == [applied]
    outcomes = await store.record_votes(
        [
            vote("e1", "p0", "alice", 0),
            vote("e2", "p0", "bob", 1),
            vote("e1", "p0", "alice", 2),  # the same event again in the batch
            vote("e3", "p0", "alice", 1, 1),  # alice changes her mind: the later vote wins
            vote("e4", "stranger", "dave", 0),  # a poll we never sent
            vote("e4", "p1", "dave", 0, account="other"),  # our poll id, another account
            vote("e5", "p1", "erin", 0, 2),
            vote("e6", "p0", "carol"),  # carol retracts her earlier vote
            vote("e0", "p0", "carol", 1),  # a redelivery of carol's first vote
        ]
    )
    expected = [applied, applied, duplicate, applied, unknown, unknown, applied, applied]
    assert outcomes == [*expected, duplicate]
    assert await counts(store, announcement) == [(0, 2, 0), (1, 0, 1)]
    # the batch shares deduplication with the one-by-one path, and vice versa
    assert not await store.record_inbound("tg", "vote:e2")
    assert await store.record_inbound("tg", "vote:e7")
    assert await store.record_votes([vote("e7", "p0", "frank", 0)]) == [duplicate]
    # an unknown poll leaves no trace: the event can still be applied when the poll appears
    assert await store.record_inbound("tg", "vote:e4")
    assert await counts(store, announcement) == [(0, 2, 0), (1, 0, 1)]


async def test_a_batch_larger_than_one_query_chunk(store: Store) -> None:
    announcement = await polls(store)
    batch = [vote(f"e{n}", f"p{n % 2}", f"voter{n}", n % 3) for n in range(1_203)]
    assert await store.record_votes(batch) == [applied] * len(batch)
    assert await store.record_votes(batch[-5:]) == [duplicate] * 5
    tallies = await counts(store, announcement)
    assert sum(sum(c) for c in tallies) == 1_203
    assert tallies[0] == tuple(sum(1 for n in range(0, 1_203, 2) if n % 3 == i) for i in range(3))


async def test_concurrent_overlapping_batches_apply_each_event_once(store: Store) -> None:
    announcement = await polls(store)
    batch = [vote(f"e{n}", "p0", f"voter{n}", n % 2) for n in range(300)]
    # the same events in opposite orders at once (two web processes got redeliveries)
    first, second = await asyncio.gather(store.record_votes(batch), store.record_votes(batch[::-1]))
    for a, b in zip(first, second[::-1], strict=True):
        assert {a, b} == {applied, duplicate}
    assert sum(sum(c) for c in await counts(store, announcement)) == 300


async def test_votes_are_committed_when_submit_returns(store: Store, reopen: Reopen) -> None:
    announcement = await polls(store)
    batcher = VoteBatcher(store, max_batch=64)
    voters = [vote(f"e{n}", f"p{n % 2}", f"voter{n}", n % 3) for n in range(400)]
    outcomes = await asyncio.gather(*(batcher.submit(v) for v in voters))
    assert outcomes == [applied] * 400
    # the concurrent submits were grouped: at most 64 per transaction, far fewer than 400
    assert batcher.votes == 400 and 7 <= batcher.batches < 40
    again = await asyncio.gather(*(batcher.submit(v) for v in voters[:10]))
    assert again == [duplicate] * 10
    fresh = await reopen()  # a new connection sees every vote that was answered
    assert sum(sum(c) for c in await counts(fresh, announcement)) == 400


async def test_one_bad_vote_fails_alone(store: Store) -> None:
    announcement = await polls(store)
    batcher = VoteBatcher(store)
    good = [vote(f"e{n}", "p0", f"voter{n}", 0) for n in range(9)]
    bad = vote("bad", "p0", "\ud800", 0)  # a lone surrogate: no engine can encode it
    results = await asyncio.gather(
        *(batcher.submit(v) for v in [*good[:4], bad, *good[4:]]), return_exceptions=True
    )
    assert results[:4] + results[5:] == [applied] * 9
    assert isinstance(results[4], ENCODING_ERRORS)
    assert await counts(store, announcement) == [(9, 0, 0), (0, 0, 0)]
    with pytest.raises(ENCODING_ERRORS):
        await batcher.submit(bad)


async def test_a_waiter_that_hangs_up_does_not_cancel_its_vote(store: Store) -> None:
    announcement = await polls(store)
    batcher = VoteBatcher(store)
    waiters = [
        asyncio.create_task(batcher.submit(vote(f"e{n}", "p0", f"v{n}", 1))) for n in range(5)
    ]
    await asyncio.sleep(0)  # every vote is queued
    waiters[2].cancel()  # that client hung up
    done = await asyncio.gather(*waiters, return_exceptions=True)
    assert isinstance(done[2], asyncio.CancelledError)
    assert [done[n] for n in (0, 1, 3, 4)] == [applied] * 4
    assert await counts(store, announcement) == [(0, 5, 0), (0, 0, 0)]
    assert await batcher.submit(vote("e2", "p0", "v2", 1)) is duplicate  # it was stored


async def test_votes_arriving_while_batches_commit_overlap_up_to_the_limit(store: Store) -> None:
    announcement = await polls(store)
    batcher = VoteBatcher(store, in_flight=3)
    waiters = []
    for n in range(300):  # a few votes per event-loop turn, as requests arrive
        waiters.append(asyncio.create_task(batcher.submit(vote(f"e{n}", "p1", f"v{n}", 0))))
        if n % 5 == 4:
            await asyncio.sleep(0)
    assert await asyncio.gather(*waiters) == [applied] * 300
    assert batcher.peak_in_flight == 3  # later votes did not wait for the first batch
    assert batcher.votes == 300
    assert await counts(store, announcement) == [(0, 0, 0), (300, 0, 0)]


async def test_inbox_group_commits_concurrent_votes(store: Store) -> None:
    announcement = await polls(store)
    inbox = Inbox(store, {}, b"salt")

    def event(n: int, user: int, options: list[int]) -> InboundEvent:
        return InboundEvent(
            "vote", "tg", f"u{n}", None, {"poll_id": "p0", "user": user, "options": options}
        )

    handled = await asyncio.gather(*(inbox.handle(event(n, n, [n % 3])) for n in range(120)))
    assert handled == [True] * 120
    assert inbox.votes.votes == 120 and inbox.votes.batches < 120  # grouped
    assert not await inbox.handle(event(7, 7, [0]))  # a redelivery
    assert await inbox.handle(event(500, 7, []))  # voter 7 retracts
    assert await counts(store, announcement) == [(40, 39, 40), (0, 0, 0)]  # 7 % 3 == 1
    # the one-by-one path and the batch share the deduplication
    assert not await store.record_inbound("tg", "vote:u3")


async def test_each_vote_after_the_last_answer_is_written(store: Store) -> None:
    announcement = await polls(store)
    batcher = VoteBatcher(store)

    async def one_after_another() -> list[VoteOutcome]:
        # awaited directly: the next vote is queued in the very step the answer arrives
        return [await batcher.submit(vote(f"e{n}", "p0", f"v{n}", 2)) for n in range(5)]

    assert await asyncio.wait_for(one_after_another(), 5) == [applied] * 5
    assert await counts(store, announcement) == [(0, 0, 5), (0, 0, 0)]
