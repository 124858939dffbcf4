"""Audit checkpoints: the head of the hash chain (sequence number, hash, time), signed with the
installation's secret, kept *outside* the system.

The chain proves that no kept entry was altered, and the head recorded in the store's meta table
catches a careless deletion of the newest entries. Someone holding the database file can still
drop the append-only triggers, delete the newest entries and rewrite the recorded head: what
remains is a valid, shorter chain. A checkpoint taken earlier (``broadcaster audit checkpoint``,
``GET /audit/head``, or one mailed or posted on a schedule) closes that gap:
``broadcaster audit verify --checkpoint FILE`` fails when the log no longer holds that entry
with that hash.

The signature is HMAC-SHA256 under a key derived from the instance secret
(``BROADCASTER_SECRET``, else ``data_dir/.salt``; see :func:`broadcaster.inbox.load_salt`). It
shows the checkpoint came from this installation; it cannot stop someone who holds the secret
as well as the database from making new ones, so the auditor keeps the checkpoints they
received, with the time they received them (docs/security.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from .errors import InputError
from .store.contract import Store


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str  # when the entry was written (ISO 8601, UTC)
    taken_at: str  # when the checkpoint was taken
    signature: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def text(self) -> str:
        return json.dumps(self.to_json(), separators=(",", ":"))


def checkpoint_key(secret: bytes) -> bytes:
    return hmac.new(secret, b"broadcaster-audit-checkpoint", hashlib.sha256).digest()


def _signature(secret: bytes, seq: int, digest: str, at: str, taken_at: str) -> str:
    message = json.dumps([seq, digest, at, taken_at], separators=(",", ":")).encode()
    return hmac.new(checkpoint_key(secret), message, hashlib.sha256).hexdigest()


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="microseconds")


async def current_checkpoint(
    store: Store, secret: bytes, now: float | None = None
) -> Checkpoint | None:
    """The signed head of the log now; None while the log is empty."""
    head = await store.audit_head()
    if head is None:
        return None
    seq, digest = head
    entries = await store.list_audit_page(1, before_seq=seq + 1)
    at = _iso(entries[0].at) if entries and entries[0].seq == seq else ""
    taken_at = _iso(datetime.now(UTC).timestamp() if now is None else now)
    return Checkpoint(seq, digest, at, taken_at, _signature(secret, seq, digest, at, taken_at))


def parse_checkpoint(text: str) -> Checkpoint:
    """A checkpoint from its JSON (``audit checkpoint --json`` or ``GET /audit/head``)."""
    try:
        data = json.loads(text)
        checkpoint = Checkpoint(
            seq=int(data["seq"]),
            hash=str(data["hash"]),
            at=str(data["at"]),
            taken_at=str(data["taken_at"]),
            signature=str(data["signature"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(
            "not an audit checkpoint (expected the JSON of 'broadcaster audit checkpoint "
            f"--json' or GET /audit/head): {exc}"
        ) from None
    return checkpoint


def signature_ok(checkpoint: Checkpoint, secret: bytes) -> bool:
    expected = _signature(
        secret, checkpoint.seq, checkpoint.hash, checkpoint.at, checkpoint.taken_at
    )
    return hmac.compare_digest(expected.encode(), checkpoint.signature.encode())


async def checkpoint_problem(store: Store, checkpoint: Checkpoint, secret: bytes) -> str | None:
    """Why the log does not match ``checkpoint`` (None: it still holds that entry with that
    hash)."""
    if not signature_ok(checkpoint, secret):
        return (
            "the checkpoint's signature does not match this installation's secret "
            "(altered, or taken elsewhere)"
        )
    entries = await store.list_audit_page(1, before_seq=checkpoint.seq + 1)
    if not entries or entries[0].seq != checkpoint.seq:
        return (
            f"the log no longer holds entry {checkpoint.seq} of the checkpoint taken "
            f"{checkpoint.taken_at}: entries were cut off or deleted"
        )
    if entries[0].hash != checkpoint.hash:
        return (
            f"entry {checkpoint.seq} no longer has the hash of the checkpoint taken "
            f"{checkpoint.taken_at}: the log was rewritten"
        )
    return None


__all__ = [
    "Checkpoint",
    "checkpoint_problem",
    "current_checkpoint",
    "parse_checkpoint",
    "signature_ok",
]
