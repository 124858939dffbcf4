"""Inbound side on SQLite: event deduplication, polls, votes, replies, notices."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence

import aiosqlite

from ..contract import InboundVote, VoteOutcome
from ..records import GroupTally, Notice, PollRef, Reply
from ..sqlreads import Key, event_keys, fold_tallies, poll_keys, reply_of, settle_votes
from .base import SqliteBase

#: keys per statement of record_votes (2–3 parameters each): far below SQLite's limit of 32766
CHUNK = 500


class InboxMixin(SqliteBase):
    async def record_inbound(self, account: str, event_id: str) -> bool:
        async with self._tx() as db:
            try:
                await db.execute(
                    "INSERT INTO inbound_events VALUES (?, ?, ?)", (account, event_id, time.time())
                )
            except sqlite3.IntegrityError:
                return False
        return True

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
        async with self._tx() as db:
            if options:
                await db.execute(
                    "INSERT INTO votes VALUES (?,?,?,?,?) ON CONFLICT(account, poll_id, voter) "
                    "DO UPDATE SET options = excluded.options, at = excluded.at",
                    (account, poll_id, voter, json.dumps(sorted(set(options))), time.time()),
                )
            else:
                await db.execute(
                    "DELETE FROM votes WHERE account = ? AND poll_id = ? AND voter = ?",
                    (account, poll_id, voter),
                )

    async def record_votes(self, votes: Sequence[InboundVote]) -> list[VoteOutcome]:
        if not votes:
            return []
        now = time.time()
        async with self._tx() as db:
            known = set(await self._known_polls(db, poll_keys(votes)))
            new = set(await self._insert_new_events(db, event_keys(votes, known), now))
            outcomes, upserts, deletes = settle_votes(votes, known, new)
            if upserts:
                await db.executemany(
                    "INSERT INTO votes VALUES (?,?,?,?,?) ON CONFLICT(account, poll_id, voter) "
                    "DO UPDATE SET options = excluded.options, at = excluded.at",
                    [(*row, now) for row in upserts],
                )
            if deletes:
                await db.executemany(
                    "DELETE FROM votes WHERE account = ? AND poll_id = ? AND voter = ?", deletes
                )
        return outcomes

    @staticmethod
    async def _known_polls(db: aiosqlite.Connection, keys: Sequence[Key]) -> list[Key]:
        """Which (account, poll_id) keys are polls we sent (inside the caller's transaction)."""
        found: list[Key] = []
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            rows = await db.execute_fetchall(
                "SELECT account, poll_id FROM polls WHERE (account, poll_id) IN "
                f"(VALUES {','.join(['(?,?)'] * len(chunk))})",
                [part for key in chunk for part in key],
            )
            found.extend((str(r[0]), str(r[1])) for r in rows)
        return found

    @staticmethod
    async def _insert_new_events(
        db: aiosqlite.Connection, keys: Sequence[Key], now: float
    ) -> list[Key]:
        """Insert the event keys (sorted) that are not there yet; return those it inserted."""
        found: list[Key] = []
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            rows = await db.execute_fetchall(
                "INSERT INTO inbound_events(account, event_id, at) "
                f"VALUES {','.join(['(?,?,?)'] * len(chunk))} "
                "ON CONFLICT DO NOTHING RETURNING account, event_id",
                [part for key in chunk for part in (*key, now)],
            )
            found.extend((str(r[0]), str(r[1])) for r in rows)
        return found

    async def record_poll_counts(self, account: str, poll_id: str, counts: Sequence[int]) -> None:
        async with self._tx() as db:
            await db.execute(
                "UPDATE polls SET counts = ? WHERE account = ? AND poll_id = ?",
                (json.dumps(list(counts)), account, poll_id),
            )

    async def poll_tally(self, announcement_id: int, options: int) -> list[GroupTally]:
        rows = await self._fetch(
            "SELECT p.group_id, g.region, g.channel, p.counts, "
            "(SELECT json_group_array(v.options) FROM votes v "
            " WHERE v.account = p.account AND v.poll_id = p.poll_id) "
            "FROM polls p JOIN groups g ON g.id = p.group_id WHERE p.announcement_id = ? "
            "ORDER BY g.region, p.group_id",
            (announcement_id,),
        )
        return fold_tallies(rows, options)

    async def add_reply(self, account: str, group_id: int | None, author: str, text: str) -> Reply:
        async with self._tx() as db:
            cursor = await db.execute(
                "INSERT INTO replies(account, group_id, author, text, at) VALUES (?,?,?,?,?)",
                (account, group_id, author, text, time.time()),
            )
            rows = await db.execute_fetchall(
                "SELECT id, account, group_id, author, text, at, status FROM replies WHERE id = ?",
                (cursor.lastrowid,),
            )
        return reply_of(tuple(list(rows)[0]))

    async def list_replies(self, limit: int = 50, status: str | None = None) -> list[Reply]:
        where, params = ("WHERE status = ?", [status]) if status else ("", [])
        rows = await self._fetch(
            "SELECT id, account, group_id, author, text, at, status FROM replies "
            f"{where} ORDER BY id DESC LIMIT ?",
            [*params, limit],
        )
        return [reply_of(r) for r in rows]

    async def purge_replies(self, before: float) -> int:
        async with self._tx() as db:
            cursor = await db.execute("DELETE FROM replies WHERE at < ?", (before,))
            return max(cursor.rowcount, 0)

    async def add_notice(self, account: str, address: str, text: str) -> None:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO notices(account, address, text, at) VALUES (?,?,?,?)",
                (account, address, text, time.time()),
            )

    async def pending_notices(self, account: str, limit: int = 50) -> list[Notice]:
        rows = await self._fetch(
            "SELECT id, account, address, text FROM notices "
            "WHERE account = ? AND sent_at IS NULL ORDER BY id LIMIT ?",
            (account, limit),
        )
        return [Notice(int(r[0]), r[1], r[2], r[3]) for r in rows]

    async def finish_notice(self, notice_id: int, error: str | None = None) -> None:
        async with self._tx() as db:
            await db.execute(
                "UPDATE notices SET sent_at = ?, error = ? WHERE id = ?",
                (time.time(), error, notice_id),
            )
