"""The append-only, hash-chained audit log.

Each entry's hash is SHA-256 over the canonical JSON of its fields *and the previous entry's hash*,
so altering any past entry breaks every later link, and deleting one leaves a gap in ``seq`` or a
``prev_hash`` that no longer matches. The store also keeps the head (last seq and hash) in its meta
table, written in the same transaction as each append, so dropping the newest entries is caught too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from .store.records import AuditEntry, AuditRecord

GENESIS = "0" * 64


def canonical_detail(detail: dict[str, Any]) -> str:
    """The exact JSON text stored and hashed for an entry's detail."""
    return json.dumps(
        detail, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


def entry_hash(
    *,
    seq: int,
    at: float,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    detail: str,
    content_hash: str | None,
    prev_hash: str,
) -> str:
    """Hash of one entry, chained to ``prev_hash``."""
    body = json.dumps(
        [seq, repr(at), actor, action, object_type, object_id, detail, content_hash, prev_hash],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def chain_entry(record: AuditRecord, seq: int, prev_hash: str, at: float) -> AuditEntry:
    """The entry that appends ``record`` after the one whose hash is ``prev_hash`` (the same for
    every store engine; each stores its fields in order, plus the new head)."""
    detail = canonical_detail(record.detail)
    digest = entry_hash(
        seq=seq,
        at=at,
        actor=record.actor,
        action=record.action,
        object_type=record.object_type,
        object_id=record.object_id,
        detail=detail,
        content_hash=record.content_hash,
        prev_hash=prev_hash,
    )
    return AuditEntry(
        seq=seq,
        at=at,
        actor=record.actor,
        action=record.action,
        object_type=record.object_type,
        object_id=record.object_id,
        detail=detail,
        content_hash=record.content_hash,
        prev_hash=prev_hash,
        hash=digest,
    )


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None


async def verify_chain(
    entries: AsyncIterator[AuditEntry], head: tuple[int, str] | None
) -> VerifyResult:
    """Walk the chain in ``seq`` order; report the first entry that does not verify.

    ``head`` is the (seq, hash) the store recorded at the last append, or None for an empty log.
    """
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    async for entry in entries:
        if entry.seq != expected_seq:
            return VerifyResult(
                False, checked, expected_seq, f"entry {expected_seq} is missing (deleted)"
            )
        if entry.prev_hash != prev_hash:
            return VerifyResult(
                False, checked, entry.seq, "previous-hash link broken (an earlier entry changed)"
            )
        recomputed = entry_hash(
            seq=entry.seq,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            detail=entry.detail,
            content_hash=entry.content_hash,
            prev_hash=entry.prev_hash,
        )
        if recomputed != entry.hash:
            return VerifyResult(False, checked, entry.seq, "entry was altered (hash mismatch)")
        prev_hash = entry.hash
        expected_seq += 1
        checked += 1
    last_seq = expected_seq - 1
    if head is None:
        if checked:
            return VerifyResult(False, checked, 1, "audit head record is missing")
        return VerifyResult(True, 0)
    head_seq, head_hash = head
    if head_seq != last_seq or head_hash != prev_hash:
        return VerifyResult(
            False,
            checked,
            last_seq + 1,
            f"log ends at entry {last_seq} but the recorded head is entry {head_seq} "
            "(newest entries deleted or head altered)",
        )
    return VerifyResult(True, checked)
