"""What SQLite does its own way: planning with index hints and a scan bounded by an OFFSET
probe, claims under the one writer, and batched writes as ``executemany``. Everything else is
the shared SQL of :mod:`broadcaster.store.sql`; these methods have the same signatures in
:mod:`broadcaster.store.postgres.writes`."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from ...errors import NotFound
from ...regions import subtree_bounds
from ..contract import InboundVote, VoteOutcome
from ..records import ClaimedDelivery, DispatchStatus, Outcome, PollRef
from ..sql.base import Tx, marks
from ..sql.dispatch import CLAIM_COLS, claimed, roots, target_filter
from ..sql.inbox import DELETE_VOTE, UPSERT_VOTE, Key, event_keys, poll_keys, settle_votes
from .base import SqliteBase

#: keys per statement of record_votes (2–3 parameters each): far below SQLite's limit of 32766
CHUNK = 500
_BY_REGION = SqliteBase.dialect.groups_by_region


class SqliteWrites(SqliteBase):
    async def plan_batch(self, dispatch_id: int, batch: int) -> int:
        if batch < 1:
            raise ValueError(f"batch must be at least 1, got {batch}")
        async with self._tx() as db:
            rows = await db.fetch(
                "SELECT target, cursor, rank, status FROM dispatches WHERE id = ?", (dispatch_id,)
            )
            if not rows:
                raise NotFound(f"dispatch {dispatch_id} does not exist")
            target = json.loads(rows[0][0])
            cursor = json.loads(rows[0][1])
            rank = int(rows[0][2])
            if rows[0][3] != DispatchStatus.planning.value:
                return 0  # cancelled (or finished) meanwhile: plan nothing more
            regions = roots(list(target.get("regions") or []))
            predicate, params = target_filter(target)
            scanned = 0
            while cursor["r"] < len(regions):
                low, high = subtree_bounds(regions[cursor["r"]])
                page, inserted, cursor = await self._plan_page(
                    db, dispatch_id, rank, batch, (low, high), cursor, predicate, params
                )
                scanned += page
                await db.execute(
                    "UPDATE dispatches SET cursor = ?, planned = planned + ? WHERE id = ?",
                    (json.dumps(cursor), inserted, dispatch_id),
                )
                if scanned:
                    break
            return scanned

    async def _plan_page(
        self,
        db: Tx,
        dispatch_id: int,
        rank: int,
        batch: int,
        subtree: tuple[str, str],
        cursor: dict[str, Any],
        predicate: str,
        params: Sequence[Any],
    ) -> tuple[int, int, dict[str, Any]]:
        """Plan the next page of one region subtree: (groups scanned, inserted, new cursor)."""
        low, high = subtree
        start = (cursor["code"], cursor["id"])
        # Scalar bounds on region delimit each index scan; the row values only break
        # ties between groups of one region. (SQLite does not seek on a row value, so
        # without the scalar bounds every batch would scan from the range's start or to
        # its end.)
        floor = max(low, start[0])
        end_rows = await db.fetch(
            f"SELECT region, id FROM {_BY_REGION} WHERE region >= ? AND region < ? "
            "AND (region, id) > (?, ?) ORDER BY region, id LIMIT 1 OFFSET ?",
            (floor, high, *start, batch - 1),
        )
        if end_rows:
            end: tuple[str, int] = (str(end_rows[0][0]), int(end_rows[0][1]))
            bounds = "region >= ? AND region <= ? AND (region, id) <= (?, ?)"
            bound_params: list[Any] = [floor, end[0], *end]
        else:
            bounds, bound_params = "region >= ? AND region < ?", [floor, high]
        now = time.time()
        inserted = await db.execute(
            "INSERT OR IGNORE INTO deliveries(dispatch_id, group_id, account, rank, "
            "status, next_at, updated_at) "
            f"SELECT ?, id, account, ?, 'queued', ?, ? FROM {_BY_REGION} "
            f"WHERE {bounds} AND (region, id) > (?, ?) AND {predicate}",
            (dispatch_id, rank, now, now, *bound_params, *start, *params),
        )
        if end_rows:
            page = batch
            cursor = {"r": cursor["r"], "code": end[0], "id": end[1]}
        else:
            count_rows = await db.fetch(
                f"SELECT COUNT(*) FROM {_BY_REGION} WHERE {bounds} AND (region, id) > (?, ?)",
                (*bound_params, *start),
            )
            page = int(count_rows[0][0])
            cursor = {"r": cursor["r"] + 1, "code": "", "id": 0}
        return page, inserted, cursor

    async def claim_deliveries(
        self, account: str, limit: int, now: float, min_rank: int = 0
    ) -> list[ClaimedDelivery]:
        async with self._tx() as db:
            rows = await db.fetch(
                f"SELECT {CLAIM_COLS} FROM deliveries d JOIN groups g ON g.id = d.group_id "
                "JOIN dispatches p ON p.id = d.dispatch_id "
                "WHERE d.account = ? AND d.status = 'queued' AND d.next_at <= ? "
                "AND d.rank >= ? ORDER BY d.rank DESC, d.id LIMIT ?",
                (account, now, min_rank, limit),
            )
            if rows:
                # one set-based UPDATE costs half of an executemany per row; the ids are
                # integers read from the database just above, so inlining them is safe
                ids = ",".join(str(int(r[0])) for r in rows)
                await db.execute(
                    f"UPDATE deliveries SET status = 'sending', updated_at = ? WHERE id IN ({ids})",
                    (time.time(),),
                )
        return claimed(rows)

    async def record_outcomes(self, outcomes: Sequence[Outcome]) -> None:
        if not outcomes:
            return
        stamp = time.time()
        # plain assignments only: an expression per column (COALESCE, CASE) doubles the cost
        # per row, and this statement runs once for every delivery
        final = [o for o in outcomes if o.next_at is None]
        later = [o for o in outcomes if o.next_at is not None]
        async with self._tx() as db:
            if final:
                await db.executemany(
                    "UPDATE deliveries SET status = ?, attempts = ?, parts_done = ?, "
                    "provider_ids = ?, error = ?, updated_at = ?, held_reason = NULL, "
                    "held_until = NULL WHERE id = ?",
                    [
                        (
                            str(o.status),
                            o.attempts,
                            o.parts_done,
                            ",".join(o.provider_ids) or None,  # as stored_ids
                            o.error,
                            stamp,
                            o.id,
                        )
                        for o in final
                    ],
                )
            if later:
                await db.executemany(
                    "UPDATE deliveries SET status = ?, attempts = ?, parts_done = ?, next_at = ?, "
                    "provider_ids = ?, error = ?, updated_at = ?, held_reason = ?, held_until = ? "
                    "WHERE id = ?",
                    [
                        (
                            str(o.status),
                            o.attempts,
                            o.parts_done,
                            o.next_at,
                            ",".join(o.provider_ids) or None,  # as stored_ids
                            o.error,
                            stamp,
                            o.held_reason,
                            o.held_until,
                            o.id,
                        )
                        for o in later
                    ],
                )

    async def add_polls(self, polls: Sequence[PollRef]) -> None:
        if not polls:
            return
        async with self._tx() as db:
            await db.executemany(
                "INSERT OR IGNORE INTO polls(account, poll_id, announcement_id, dispatch_id, "
                "group_id) VALUES (?,?,?,?,?)",
                [
                    (p.account, p.poll_id, p.announcement_id, p.dispatch_id, p.group_id)
                    for p in polls
                ],
            )

    async def record_votes(self, votes: Sequence[InboundVote]) -> list[VoteOutcome]:
        if not votes:
            return []
        now = time.time()
        async with self._tx() as db:
            known = set(await _known_polls(db, poll_keys(votes)))
            new = set(await _insert_new_events(db, event_keys(votes, known), now))
            outcomes, upserts, deletes = settle_votes(votes, known, new)
            if upserts:
                await db.executemany(UPSERT_VOTE, [(*row, now) for row in upserts])
            if deletes:
                await db.executemany(DELETE_VOTE, deletes)
        return outcomes

    async def record_sent_messages(self, account: str, rows: Sequence[tuple[str, int]]) -> None:
        if not rows:
            return
        now = time.time()
        async with self._tx() as db:
            await db.executemany(
                "INSERT INTO provider_messages(account, message_id, delivery_id, updated_at) "
                "VALUES (?,?,?,?) ON CONFLICT(account, message_id) "
                "DO UPDATE SET delivery_id = excluded.delivery_id",
                [(account, mid, delivery, now) for mid, delivery in rows],
            )
            # a "failed" receipt that arrived before the id was written fails its delivery now
            for start in range(0, len(rows), CHUNK):
                chunk = [mid for mid, _ in rows[start : start + CHUNK]]
                await db.execute(
                    "UPDATE deliveries SET status = 'failed', updated_at = ?, "
                    "error = (SELECT 'provider: ' || COALESCE(m.error, 'failed') "
                    "FROM provider_messages m WHERE m.delivery_id = deliveries.id "
                    "AND m.status = 'failed' LIMIT 1) "
                    "WHERE id IN (SELECT delivery_id FROM provider_messages WHERE account = ? "
                    f"AND status = 'failed' AND message_id IN ({marks(chunk)}))",
                    (now, account, *chunk),
                )


async def _known_polls(db: Tx, keys: Sequence[Key]) -> list[Key]:
    """Which (account, poll_id) keys are polls we sent (inside the caller's transaction)."""
    found: list[Key] = []
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        rows = await db.fetch(
            "SELECT account, poll_id FROM polls WHERE (account, poll_id) IN "
            f"(VALUES {','.join(['(?,?)'] * len(chunk))})",
            [part for key in chunk for part in key],
        )
        found.extend((str(r[0]), str(r[1])) for r in rows)
    return found


async def _insert_new_events(db: Tx, keys: Sequence[Key], now: float) -> list[Key]:
    """Insert the event keys (sorted) that are not there yet; return those it inserted."""
    found: list[Key] = []
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        rows = await db.fetch(
            "INSERT INTO inbound_events(account, event_id, at) "
            f"VALUES {','.join(['(?,?,?)'] * len(chunk))} "
            "ON CONFLICT DO NOTHING RETURNING account, event_id",
            [part for key in chunk for part in (*key, now)],
        )
        found.extend((str(r[0]), str(r[1])) for r in rows)
    return found
