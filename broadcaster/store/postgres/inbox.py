"""Inbound side on PostgreSQL: event deduplication, polls, votes, replies, notices.

Web processes are stateless and may be many: deduplication is the primary key of
``inbound_events`` (``ON CONFLICT DO NOTHING``), so a redelivered update is recognised whichever
process receives it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from ..contract import InboundVote, VoteOutcome
from ..records import GroupTally, Notice, PollRef, Reply
from ..sqlreads import fold_tallies, reply_of, settle_votes
from .base import PgBase, affected

_REPLY_COLS = "id, account, group_id, author, text, at, status"

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


class InboxMixin(PgBase):
    # see Store: two hide one commit's WAL flush behind the next; more only make batches smaller
    vote_batches_in_flight = 2

    async def record_inbound(self, account: str, event_id: str) -> bool:
        async with self.pool.acquire() as db:
            new = await db.fetchval(
                "INSERT INTO inbound_events VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1",
                account,
                event_id,
                time.time(),
            )
        return new is not None

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

    async def find_poll(self, account: str, poll_id: str) -> PollRef | None:
        rows = await self._fetch(
            "SELECT account, poll_id, announcement_id, dispatch_id, group_id FROM polls "
            "WHERE account = ? AND poll_id = ?",
            (account, poll_id),
        )
        if not rows:
            return None
        r = rows[0]
        return PollRef(r[0], r[1], int(r[2]), int(r[3]), int(r[4]))

    async def record_vote(
        self, account: str, poll_id: str, voter: str, options: Sequence[int]
    ) -> None:
        async with self.pool.acquire() as db:
            if options:
                await db.execute(
                    "INSERT INTO votes VALUES ($1,$2,$3,$4,$5) "
                    "ON CONFLICT (account, poll_id, voter) "
                    "DO UPDATE SET options = excluded.options, at = excluded.at",
                    account,
                    poll_id,
                    voter,
                    json.dumps(sorted(set(options))),
                    time.time(),
                )
            else:
                await db.execute(
                    "DELETE FROM votes WHERE account = $1 AND poll_id = $2 AND voter = $3",
                    account,
                    poll_id,
                    voter,
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

    async def record_poll_counts(self, account: str, poll_id: str, counts: Sequence[int]) -> None:
        async with self.pool.acquire() as db:
            await db.execute(
                "UPDATE polls SET counts = $1 WHERE account = $2 AND poll_id = $3",
                json.dumps(list(counts)),
                account,
                poll_id,
            )

    async def poll_tally(self, announcement_id: int, options: int) -> list[GroupTally]:
        rows = await self._fetch(
            "SELECT p.group_id, g.region, g.channel, p.counts, "
            "(SELECT json_agg(v.options) FROM votes v "
            " WHERE v.account = p.account AND v.poll_id = p.poll_id)::text "
            "FROM polls p JOIN groups g ON g.id = p.group_id WHERE p.announcement_id = ? "
            "ORDER BY g.region, p.group_id",
            (announcement_id,),
        )
        return fold_tallies(rows, options)

    async def add_reply(self, account: str, group_id: int | None, author: str, text: str) -> Reply:
        async with self.pool.acquire() as db:
            row = await db.fetchrow(
                "INSERT INTO replies(account, group_id, author, text, at) "
                f"VALUES ($1,$2,$3,$4,$5) RETURNING {_REPLY_COLS}",
                account,
                group_id,
                author,
                text,
                time.time(),
            )
        return reply_of(row)

    async def list_replies(self, limit: int = 50, status: str | None = None) -> list[Reply]:
        where, params = ("WHERE status = ?", [status]) if status else ("", [])
        rows = await self._fetch(
            f"SELECT {_REPLY_COLS} FROM replies {where} ORDER BY id DESC LIMIT ?",
            [*params, limit],
        )
        return [reply_of(r) for r in rows]

    async def purge_replies(self, before: float) -> int:
        async with self.pool.acquire() as db:
            return affected(await db.execute("DELETE FROM replies WHERE at < $1", before))

    async def add_notice(self, account: str, address: str, text: str) -> None:
        async with self.pool.acquire() as db:
            await db.execute(
                "INSERT INTO notices(account, address, text, at) VALUES ($1,$2,$3,$4)",
                account,
                address,
                text,
                time.time(),
            )

    async def pending_notices(self, account: str, limit: int = 50) -> list[Notice]:
        rows = await self._fetch(
            "SELECT id, account, address, text FROM notices "
            "WHERE account = ? AND sent_at IS NULL ORDER BY id LIMIT ?",
            (account, limit),
        )
        return [Notice(int(r[0]), r[1], r[2], r[3]) for r in rows]

    async def finish_notice(self, notice_id: int, error: str | None = None) -> None:
        async with self.pool.acquire() as db:
            await db.execute(
                "UPDATE notices SET sent_at = $1, error = $2 WHERE id = $3",
                time.time(),
                error,
                notice_id,
            )
