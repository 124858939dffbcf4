"""What both SQL engines do with the same code: each store's ``_fetch`` takes ``?``
placeholders (the PostgreSQL store rewrites them) and returns plain row tuples, so the audit
reads, row mapping, the folding of poll tallies and the settling of a batch of votes are written
once here."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from typing import Any

from .contract import InboundVote, VoteOutcome
from .records import AuditEntry, GroupTally, Reply, from_ts

Key = tuple[str, str]


def audit_entry(row: Sequence[Any]) -> AuditEntry:
    return AuditEntry(
        int(row[0]),
        float(row[1]),
        str(row[2]),
        str(row[3]),
        str(row[4]),
        str(row[5]),
        str(row[6]),
        None if row[7] is None else str(row[7]),
        str(row[8]),
        str(row[9]),
    )


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
        GroupTally(group_id, region, channel, tuple(counts))
        for group_id, (region, channel, counts) in tallies.items()
    ]


def reply_of(row: Sequence[Any]) -> Reply:
    at = from_ts(row[5])
    assert at is not None
    return Reply(int(row[0]), row[1], row[2], row[3], row[4], at, row[6])


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


class AuditReads(ABC):
    """``iter_audit``, ``audit_head`` and ``list_audit`` of the Store contract."""

    @abstractmethod
    async def _fetch(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        """Rows of ``sql`` (``?`` placeholders) as tuples."""

    async def iter_audit(self, batch: int = 1000) -> AsyncIterator[AuditEntry]:
        after = 0
        while True:
            rows = await self._fetch(
                "SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", (after, batch)
            )
            for row in rows:
                yield audit_entry(row)
            if len(rows) < batch:
                return
            after = int(rows[-1][0])

    async def audit_head(self) -> tuple[int, str] | None:
        rows = await self._fetch("SELECT value FROM meta WHERE key = 'audit_head'")
        if not rows or not rows[0][0]:
            return None
        seq, digest = str(rows[0][0]).split(":", 1)
        return int(seq), digest

    async def list_audit(
        self, limit: int = 50, object_type: str | None = None, object_id: str | None = None
    ) -> list[AuditEntry]:
        clauses: list[str] = []
        params: list[object] = []
        if object_type is not None:
            clauses.append("object_type = ?")
            params.append(object_type)
        if object_id is not None:
            clauses.append("object_id = ?")
            params.append(object_id)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = await self._fetch(
            f"SELECT * FROM audit {where} ORDER BY seq DESC LIMIT ?", [*params, limit]
        )
        return [audit_entry(r) for r in rows]
