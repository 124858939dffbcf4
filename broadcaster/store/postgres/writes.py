"""What PostgreSQL does its own way: planning and claiming when many sender processes share
the tables (the dispatch row lock, ``FOR UPDATE SKIP LOCKED``), and batched writes as one
statement over arrays (``unnest``). Every change that creates work NOTIFYs the store's channel
when it commits. Everything else is the shared SQL of :mod:`broadcaster.store.sql`; these
methods have the same signatures in :mod:`broadcaster.store.sqlite.writes`."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from ...errors import NotFound
from ...regions import subtree_bounds
from ..contract import InboundVote, VoteOutcome
from ..records import ClaimedDelivery, DispatchStatus, Outcome, PollRef
from ..sql.base import WORK_SEND
from ..sql.dispatch import claimed, roots, stored_ids, target_filter
from ..sql.inbox import settle_votes
from .base import PgBase, q

#: Store.record_votes in one statement. Rows are written in key order (no deadlocks between
#: concurrent batches); of an event id repeated in the batch the first counts, of several new
#: votes by one voter the last (``n`` is the position in the batch); NULL options retract.
_RECORD_VOTES = """
WITH batch AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
        WITH ORDINALITY AS b(account, event_id, poll_id, voter, options, n)
), known AS (
    SELECT DISTINCT p.account, p.poll_id FROM polls p
    JOIN batch b ON b.account = p.account AND b.poll_id = p.poll_id
), firsts AS (
    SELECT DISTINCT ON (b.account, b.event_id) b.*
    FROM batch b JOIN known k ON k.account = b.account AND k.poll_id = b.poll_id
    ORDER BY b.account, b.event_id, b.n
), new AS (
    INSERT INTO inbound_events
    SELECT account, event_id, $6::double precision FROM firsts ORDER BY account, event_id
    ON CONFLICT DO NOTHING RETURNING account, event_id
), final AS (
    SELECT DISTINCT ON (f.account, f.poll_id, f.voter) f.*
    FROM firsts f JOIN new ON new.account = f.account AND new.event_id = f.event_id
    ORDER BY f.account, f.poll_id, f.voter, f.n DESC
), upserted AS (
    INSERT INTO votes
    SELECT account, poll_id, voter, options, $6::double precision FROM final
    WHERE options IS NOT NULL ORDER BY account, poll_id, voter
    ON CONFLICT (account, poll_id, voter)
    DO UPDATE SET options = excluded.options, at = excluded.at
), retracted AS (
    DELETE FROM votes v USING final f
    WHERE f.options IS NULL
      AND v.account = f.account AND v.poll_id = f.poll_id AND v.voter = f.voter
)
SELECT 'poll' AS kind, account, poll_id AS id FROM known
UNION ALL
SELECT 'event', account, event_id FROM new
"""


def _plan_page_sql(predicate: str) -> str:
    """One statement: read the next page of a subtree in (region, id) order, insert the
    deliveries of the matching groups, report the page's size and end."""
    return q(
        "WITH page AS (SELECT id, region, account, status, region_level, kind, "
        "channel FROM groups WHERE region >= ? AND region < ? "
        "AND (region, id) > (?, ?) ORDER BY region, id LIMIT ?), "
        "ins AS (INSERT INTO deliveries(dispatch_id, group_id, account, rank, "
        "status, next_at, updated_at) "
        "SELECT ?, id, account, ?, 'queued', ?, ? FROM page "
        f"WHERE {predicate} ON CONFLICT (dispatch_id, group_id) DO NOTHING "
        "RETURNING 1), "
        "last AS (SELECT region, id FROM page ORDER BY region DESC, id DESC "
        "LIMIT 1) "
        "SELECT (SELECT COUNT(*) FROM page), (SELECT COUNT(*) FROM ins), "
        "(SELECT region FROM last), (SELECT id FROM last)"
    )


class PgWrites(PgBase):
    # see Store: two hide one commit's WAL flush behind the next; more only make batches smaller
    vote_batches_in_flight = 2

    async def plan_batch(self, dispatch_id: int, batch: int) -> int:
        if batch < 1:
            raise ValueError(f"batch must be at least 1, got {batch}")
        async with self._tx() as tx:
            db = tx.conn
            # the row lock makes planners in other processes wait for this batch's cursor
            row = await db.fetchrow(
                "SELECT target, cursor, rank, status FROM dispatches WHERE id = $1 FOR UPDATE",
                dispatch_id,
            )
            if row is None:
                raise NotFound(f"dispatch {dispatch_id} does not exist")
            if row[3] != DispatchStatus.planning.value:
                return 0  # cancelled (or finished) meanwhile: plan nothing more
            target = json.loads(row[0])
            cursor = json.loads(row[1])
            rank = int(row[2])
            regions = roots(list(target.get("regions") or []))
            predicate, params = target_filter(target)
            scanned = inserted = 0
            while cursor["r"] < len(regions):
                low, high = subtree_bounds(regions[cursor["r"]])
                now = time.time()
                result = await db.fetchrow(
                    _plan_page_sql(predicate),
                    max(low, cursor["code"]),
                    high,
                    cursor["code"],
                    cursor["id"],
                    batch,
                    dispatch_id,
                    rank,
                    now,
                    now,
                    *params,
                )
                assert result is not None
                page, added = int(result[0]), int(result[1])
                scanned += page
                inserted += added
                if page == batch:
                    cursor = {"r": cursor["r"], "code": str(result[2]), "id": int(result[3])}
                else:
                    cursor = {"r": cursor["r"] + 1, "code": "", "id": 0}
                await db.execute(
                    "UPDATE dispatches SET cursor = $1, planned = planned + $2 WHERE id = $3",
                    json.dumps(cursor),
                    added,
                    dispatch_id,
                )
                if scanned:
                    break
            if inserted:
                await self._notify(tx, WORK_SEND)
            return scanned

    async def claim_deliveries(
        self, account: str, limit: int, now: float, min_rank: int = 0
    ) -> list[ClaimedDelivery]:
        async with self._tx() as tx:
            db = tx.conn
            rows = await db.fetch(
                "WITH c AS (SELECT id FROM deliveries WHERE account = $1 AND status = 'queued' "
                "AND next_at <= $2 AND rank >= $3 ORDER BY rank DESC, id LIMIT $4 "
                "FOR UPDATE SKIP LOCKED), "
                "u AS (UPDATE deliveries d SET status = 'sending', updated_at = $5 FROM c "
                "WHERE d.id = c.id RETURNING d.id, d.dispatch_id, d.group_id, d.attempts, "
                "d.parts_done, d.provider_ids, d.rank) "
                "SELECT u.id, u.dispatch_id, p.announcement_id, u.group_id, g.address, "
                "g.language, u.attempts, u.parts_done, g.status, u.provider_ids, p.content_hash "
                "FROM u JOIN groups g ON g.id = u.group_id "
                "JOIN dispatches p ON p.id = u.dispatch_id ORDER BY u.rank DESC, u.id",
                account,
                now,
                min_rank,
                limit,
                time.time(),
            )
        return claimed(rows)

    async def record_outcomes(self, outcomes: Sequence[Outcome]) -> None:
        if not outcomes:
            return
        stamp = time.time()
        requeued = any(o.status.value == "queued" for o in outcomes)
        async with self._tx() as tx:
            db = tx.conn
            # one set-based UPDATE from arrays: a statement per row costs a round trip each
            await db.execute(
                "UPDATE deliveries d SET status = o.status, attempts = o.attempts, "
                "parts_done = o.parts_done, next_at = COALESCE(o.next_at, d.next_at), "
                "provider_ids = o.provider_ids, error = o.error, updated_at = $8, "
                "held_reason = o.held_reason, held_until = o.held_until "
                "FROM unnest($1::bigint[], $2::text[], $3::int[], $4::int[], "
                "$5::float8[], $6::text[], $7::text[], $9::text[], $10::float8[]) "
                "AS o(id, status, attempts, parts_done, next_at, provider_ids, error, "
                "held_reason, held_until) "
                "WHERE d.id = o.id",
                [o.id for o in outcomes],
                [str(o.status) for o in outcomes],
                [o.attempts for o in outcomes],
                [o.parts_done for o in outcomes],
                [o.next_at for o in outcomes],
                [stored_ids(o.provider_ids) for o in outcomes],
                [o.error for o in outcomes],
                stamp,
                [o.held_reason for o in outcomes],
                [o.held_until for o in outcomes],
            )
            if requeued:
                await self._notify(tx, WORK_SEND)

    async def add_polls(self, polls: Sequence[PollRef]) -> None:
        if not polls:
            return
        async with self.pool.acquire() as db:
            await db.execute(
                "INSERT INTO polls(account, poll_id, announcement_id, dispatch_id, group_id) "
                "SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], "
                "$5::bigint[]) ON CONFLICT DO NOTHING",
                [p.account for p in polls],
                [p.poll_id for p in polls],
                [p.announcement_id for p in polls],
                [p.dispatch_id for p in polls],
                [p.group_id for p in polls],
            )

    async def record_votes(self, votes: Sequence[InboundVote]) -> list[VoteOutcome]:
        if not votes:
            return []
        # One statement (its own transaction, one round trip): the data-modifying CTEs all run
        # to completion; the result names the polls found and the event ids that were new.
        rows = await self._fetch_one_statement(
            _RECORD_VOTES,
            [v.account for v in votes],
            [v.event_id for v in votes],
            [v.poll_id for v in votes],
            [v.voter for v in votes],
            [json.dumps(sorted(set(v.options))) if v.options else None for v in votes],
            time.time(),
        )
        known = {(r[1], r[2]) for r in rows if r[0] == "poll"}
        new = {(r[1], r[2]) for r in rows if r[0] == "event"}
        return settle_votes(votes, known, new)[0]

    async def _fetch_one_statement(self, sql: str, *args: Any) -> list[Any]:
        async with self.pool.acquire() as db:
            return list(await db.fetch(sql, *args))

    async def record_sent_messages(self, account: str, rows: Sequence[tuple[str, int]]) -> None:
        if not rows:
            return
        ids = [mid for mid, _ in rows]
        now = time.time()
        async with self._tx() as tx:
            db = tx.conn
            await db.execute(
                "INSERT INTO provider_messages(account, message_id, delivery_id, updated_at) "
                "SELECT $1, m, d, $4 FROM unnest($2::text[], $3::bigint[]) AS u(m, d) "
                "ON CONFLICT (account, message_id) "
                "DO UPDATE SET delivery_id = excluded.delivery_id",
                account,
                ids,
                [delivery for _, delivery in rows],
                now,
            )
            # a "failed" receipt that arrived before the id was written fails its delivery now
            await db.execute(
                "UPDATE deliveries d SET status = 'failed', updated_at = $1, "
                "error = 'provider: ' || COALESCE(m.error, 'failed') FROM provider_messages m "
                "WHERE m.delivery_id = d.id AND m.account = $2 AND m.status = 'failed' "
                "AND m.message_id = ANY($3::text[])",
                now,
                account,
                ids,
            )
