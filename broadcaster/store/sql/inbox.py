"""Inbound side: event deduplication, polls, votes, replies, notices — the SQL of both
engines, and the folding of tallies and settling of vote batches. ``add_polls`` and
``record_votes`` (batched writes) are written per engine (``writes.py`` of each), on
:func:`settle_votes`."""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from ..contract import InboundVote, VoteOutcome
from ..records import GroupTally, Notice, PollRef, Reply
from .base import WORK_NOTICE, SqlBase
from .rows import POLL_COLS, REPLY_COLS, poll_of, reply_of

Key = tuple[str, str]

UPSERT_VOTE = (
    "INSERT INTO votes VALUES (?,?,?,?,?) ON CONFLICT (account, poll_id, voter) "
    "DO UPDATE SET options = excluded.options, at = excluded.at"
)
DELETE_VOTE = "DELETE FROM votes WHERE account = ? AND poll_id = ? AND voter = ?"


def fold_tallies(rows: Iterable[Sequence[Any]], options: int) -> list[GroupTally]:
    """Per-group counts from rows of (group_id, region, channel, counts JSON, votes JSON): the
    live votes when the poll has any (one per voter), else the provider's anonymous counts.
    ``votes JSON`` is a JSON array whose items are each a JSON-encoded list of options."""
    tallies: dict[int, tuple[str, str, list[int]]] = {}
    for group_id, region, channel, counts_json, votes_json in rows:
        _, _, counts = tallies.setdefault(int(group_id), (region, channel, [0] * options))
        votes = [json.loads(v) for v in json.loads(votes_json or "[]")]
        if votes:
            for chosen in votes:
                for index in chosen:
                    if 0 <= index < options:
                        counts[index] += 1
        elif counts_json:
            for index, count in enumerate(json.loads(counts_json)[:options]):
                counts[index] += int(count)
    return [
        GroupTally(group_id=group_id, region=region, channel=channel, counts=tuple(counts))
        for group_id, (region, channel, counts) in tallies.items()
    ]


def poll_keys(votes: Sequence[InboundVote]) -> list[Key]:
    """The distinct (account, poll_id) pairs of a batch, sorted."""
    return sorted({(v.account, v.poll_id) for v in votes})


def event_keys(votes: Sequence[InboundVote], known: Collection[Key]) -> list[Key]:
    """The distinct (account, event_id) keys of the votes for known polls, sorted (the order
    rows are locked in, so that concurrent batches cannot deadlock)."""
    return sorted({(v.account, v.event_id) for v in votes if (v.account, v.poll_id) in known})


def settle_votes(
    votes: Sequence[InboundVote], known: Collection[Key], new: Collection[Key]
) -> tuple[list[VoteOutcome], list[tuple[str, str, str, str]], list[tuple[str, str, str]]]:
    """Outcomes of a batch given the polls that exist and the event keys that were new, with
    the vote rows to write: upserts (account, poll_id, voter, options JSON) and retractions
    (account, poll_id, voter), each sorted by key. Later votes of one voter win."""
    outcomes: list[VoteOutcome] = []
    taken: set[Key] = set()
    final: dict[tuple[str, str, str], tuple[int, ...]] = {}
    for vote in votes:
        key = (vote.account, vote.event_id)
        if (vote.account, vote.poll_id) not in known:
            outcomes.append(VoteOutcome.unknown_poll)
        elif key in new and key not in taken:
            taken.add(key)
            outcomes.append(VoteOutcome.applied)
            final[(vote.account, vote.poll_id, vote.voter)] = vote.options
        else:
            outcomes.append(VoteOutcome.duplicate)
    upserts = [
        (*row, json.dumps(sorted(set(options))))
        for row, options in sorted(final.items())
        if options
    ]
    deletes = [row for row, options in sorted(final.items()) if not options]
    return outcomes, upserts, deletes


class InboxSql(SqlBase):
    async def record_inbound(self, account: str, event_id: str) -> bool:
        rows = await self._fetch(
            "INSERT INTO inbound_events VALUES (?, ?, ?) ON CONFLICT DO NOTHING RETURNING 1",
            (account, event_id, time.time()),
        )
        return bool(rows)

    async def find_poll(self, account: str, poll_id: str) -> PollRef | None:
        rows = await self._fetch(
            f"SELECT {POLL_COLS} FROM polls WHERE account = ? AND poll_id = ?", (account, poll_id)
        )
        return poll_of(rows[0]) if rows else None

    async def record_vote(
        self, account: str, poll_id: str, voter: str, options: Sequence[int]
    ) -> None:
        if options:
            chosen = json.dumps(sorted(set(options)))
            await self._fetch(UPSERT_VOTE, (account, poll_id, voter, chosen, time.time()))
        else:
            await self._fetch(DELETE_VOTE, (account, poll_id, voter))

    async def record_poll_counts(self, account: str, poll_id: str, counts: Sequence[int]) -> None:
        await self._fetch(
            "UPDATE polls SET counts = ? WHERE account = ? AND poll_id = ?",
            (json.dumps(list(counts)), account, poll_id),
        )

    async def poll_tally(self, announcement_id: int, options: int) -> list[GroupTally]:
        rows = await self._fetch(
            "SELECT p.group_id, g.region, g.channel, p.counts, "
            f"CAST((SELECT {self.dialect.json_array}(v.options) FROM votes v "
            " WHERE v.account = p.account AND v.poll_id = p.poll_id) AS TEXT) "
            "FROM polls p JOIN groups g ON g.id = p.group_id WHERE p.announcement_id = ? "
            "ORDER BY g.region, p.group_id",
            (announcement_id,),
        )
        return fold_tallies(rows, options)

    async def add_reply(self, account: str, group_id: int | None, author: str, text: str) -> Reply:
        [row] = await self._fetch(
            "INSERT INTO replies(account, group_id, author, text, at) "
            f"VALUES (?,?,?,?,?) RETURNING {REPLY_COLS}",
            (account, group_id, author, text, time.time()),
        )
        return reply_of(row)

    async def list_replies(self, limit: int = 50, status: str | None = None) -> list[Reply]:
        where, params = ("WHERE status = ?", [status]) if status else ("", [])
        rows = await self._fetch(
            f"SELECT {REPLY_COLS} FROM replies {where} ORDER BY id DESC LIMIT ?",
            [*params, limit],
        )
        return [reply_of(r) for r in rows]

    async def purge_replies(self, before: float) -> int:
        async with self._tx() as db:
            return await db.execute("DELETE FROM replies WHERE at < ?", (before,))

    async def add_notice(self, account: str, address: str, text: str) -> None:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO notices(account, address, text, at) VALUES (?,?,?,?)",
                (account, address, text, time.time()),
            )
            # the account's sender wakes for it (see broadcaster.engine.work)
            await self._notify(db, f"{WORK_NOTICE}:{account}")

    async def pending_notices(self, account: str, limit: int = 50) -> list[Notice]:
        rows = await self._fetch(
            "SELECT id, account, address, text FROM notices "
            "WHERE account = ? AND sent_at IS NULL ORDER BY id LIMIT ?",
            (account, limit),
        )
        return [Notice(id=int(r[0]), account=r[1], address=r[2], text=r[3]) for r in rows]

    async def finish_notice(self, notice_id: int, error: str | None = None) -> None:
        await self._fetch(
            "UPDATE notices SET sent_at = ?, error = ? WHERE id = ?",
            (time.time(), error, notice_id),
        )
