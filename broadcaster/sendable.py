"""Whether an announcement may go out: the one place for the content-hash and expiry checks.

Scheduling, starting a dispatch, the sender's content cache and the sender itself all ask
:func:`check_sendable` (or its two parts, :func:`approved_content_ok` and :func:`is_expired`)
instead of each writing the hash comparison and the expiry test again.
"""

from __future__ import annotations

import time

from content.hashing import content_hash

from .errors import Expired, IntegrityError
from .store.contract import Store
from .store.records import AnnouncementRecord

#: why a delivery or dispatch is refused because the content is not what was approved
HASH_MISMATCH = "content differs from the approved hash"


def approved_content_ok(record: AnnouncementRecord) -> bool:
    """True when the stored content still hashes to the approved hash."""
    return record.approved_hash is not None and content_hash(record.content) == record.approved_hash


def is_expired(record: AnnouncementRecord, now: float | None = None) -> bool:
    """True when the announcement's expiry has passed (``now``: epoch seconds, default now)."""
    expires = record.content.expires_at
    return expires is not None and expires.timestamp() <= (time.time() if now is None else now)


def check_sendable(
    record: AnnouncementRecord,
    *,
    hash_ok: bool | None = None,
    now: float | None = None,
    refusal: str = "not sending",
) -> None:
    """Raise IntegrityError when the content no longer hashes to the approved hash, Expired when
    its expiry has passed; return when it may be sent.

    ``hash_ok`` passes a hash check already made (the sender's cache hashes once per load, then
    asks about expiry per delivery); ``refusal`` ends the message ("not sending").
    """
    if not (approved_content_ok(record) if hash_ok is None else hash_ok):
        raise IntegrityError(f"announcement {record.id}: {HASH_MISMATCH}; {refusal}")
    if is_expired(record, now):
        expires = record.content.expires_at
        assert expires is not None
        raise Expired(f"announcement {record.id} expired at {expires.isoformat()}; {refusal}")


async def approval_problem(
    store: Store, record: AnnouncementRecord, approvals_required: int
) -> str | None:
    """Why ``record`` may not go out as approved, or None when it may.

    Its stored content must hash to the approved hash, and that hash must carry
    ``approvals_required`` approvals by distinct people other than the author, so a pin rewritten
    directly in the database (content, content_hash and approved_hash together) is caught too.
    """
    if not approved_content_ok(record):
        return "content differs from what was approved (hash mismatch)"
    approvers = {
        a.approver
        for a in await store.list_approvals(record.id)
        if a.content_hash == record.approved_hash and a.approver != record.author
    }
    if len(approvers) < approvals_required:
        return (
            f"the approved hash has {len(approvers)} approval(s) by someone other than the "
            f"author; {approvals_required} needed"
        )
    return None
