"""Which announcements call the on-call verifiers (kept free of heavy imports: the workflow
asks it on every submit)."""

from __future__ import annotations

from content.levels import Priority
from content.workflow import Status

from ..store.contract.oncall import CAP_AUTHOR_PREFIX
from ..store.records import AnnouncementRecord

#: escalation levels: 0 the on-call verifiers on duty, 1 the next on-call in rota order,
#: 2 the admins (then nobody else is told)
ON_DUTY, NEXT_ON_CALL, ADMINS = 0, 1, 2
REASONS = {ON_DUTY: "on_duty", NEXT_ON_CALL: "next_on_call", ADMINS: "admin"}


def is_cap_draft(record: AnnouncementRecord) -> bool:
    return record.author.startswith(CAP_AUTHOR_PREFIX)


def needs_alert(record: AnnouncementRecord) -> bool:
    """An emergency waiting for verification, or a CAP draft (draft or submitted): the on-call
    verifiers must look at it now."""
    if is_cap_draft(record):
        return record.status in (Status.draft, Status.submitted)
    return record.status is Status.submitted and record.content.priority is Priority.emergency


def alerts_over(record: AnnouncementRecord) -> bool:
    """No alert about it is needed any longer (approved, rejected, cancelled, sent, or edited
    back to draft): its open alerts are closed with this status."""
    if is_cap_draft(record):
        return record.status not in (Status.draft, Status.submitted)
    return record.status is not Status.submitted
