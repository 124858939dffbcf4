"""The verification workflow as data: which action moves an announcement from which status to
which.

This module only answers "is this allowed, and where does it lead?"; it raises nothing. Who may
act (approvers other than the author, the number of approvals needed, region scope) and what an
action does besides changing the status (voiding the pinned hash on edit, audit entries) belong to
the core, which raises when :func:`next_status` returns ``None``.

::

    draft --submit--> submitted --approve--> approved --schedule--> scheduled
                          |                                            |
                        reject                                  start_dispatch
                          v                                            v
    draft <--edit/reopen-- rejected      done <--finish-- dispatching

    dispatching --start_dispatch--> dispatching   (next firing of a recurring schedule)
    dispatching --schedule--> scheduled           (recurring: back to waiting)
    draft, submitted, approved --edit--> draft    (any edit voids submission and approval)
    draft, submitted, approved, scheduled, dispatching --cancel--> cancelled
    done and cancelled are terminal.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

__all__ = ["TERMINAL", "TRANSITIONS", "Action", "Status", "allowed_actions", "next_status"]


class Status(StrEnum):
    """Where an announcement is in its life. Member names equal their values."""

    draft = "draft"
    submitted = "submitted"
    approved = "approved"
    rejected = "rejected"
    scheduled = "scheduled"
    dispatching = "dispatching"
    done = "done"
    cancelled = "cancelled"


class Action(StrEnum):
    """Something a person or the system does to an announcement.

    ``approve`` means the *final* approval was reached (the core counts individual approvals);
    ``start_dispatch`` again while dispatching is the next firing of a recurring schedule, and
    ``schedule`` while dispatching puts a recurring announcement back to waiting.
    """

    submit = "submit"
    approve = "approve"
    reject = "reject"
    edit = "edit"
    schedule = "schedule"
    start_dispatch = "start_dispatch"
    finish = "finish"
    cancel = "cancel"
    reopen = "reopen"


#: (current status, action) -> next status. A pair that is missing is not allowed.
TRANSITIONS: Mapping[tuple[Status, Action], Status] = MappingProxyType(
    {
        (Status.draft, Action.submit): Status.submitted,
        (Status.submitted, Action.approve): Status.approved,
        (Status.submitted, Action.reject): Status.rejected,
        (Status.rejected, Action.edit): Status.draft,
        (Status.rejected, Action.reopen): Status.draft,
        # Any edit before scheduling voids submissions and approvals: back to draft.
        (Status.draft, Action.edit): Status.draft,
        (Status.submitted, Action.edit): Status.draft,
        (Status.approved, Action.edit): Status.draft,
        (Status.approved, Action.schedule): Status.scheduled,
        (Status.scheduled, Action.start_dispatch): Status.dispatching,
        (Status.dispatching, Action.finish): Status.done,
        (Status.dispatching, Action.start_dispatch): Status.dispatching,
        (Status.dispatching, Action.schedule): Status.scheduled,
        (Status.draft, Action.cancel): Status.cancelled,
        (Status.submitted, Action.cancel): Status.cancelled,
        (Status.approved, Action.cancel): Status.cancelled,
        (Status.scheduled, Action.cancel): Status.cancelled,
        (Status.dispatching, Action.cancel): Status.cancelled,
    }
)

#: Statuses no action leads out of.
TERMINAL: frozenset[Status] = frozenset(
    status for status in Status if not any(key[0] is status for key in TRANSITIONS)
)


def next_status(current: Status, action: Action) -> Status | None:
    """The status ``action`` leads to from ``current``, or ``None`` if it is not allowed."""
    return TRANSITIONS.get((current, action))


def allowed_actions(status: Status) -> list[Action]:
    """The actions allowed in ``status``, in the order :class:`Action` declares them."""
    return [action for action in Action if (status, action) in TRANSITIONS]
