"""Per-emergency timings: how long each stage between an official warning and the groups took.

* **system time** — warning received → draft: from the CAP alert's ``received_at`` (when the
  announcement came from a CAP feed and the CAP store says when) to the draft's creation;
* **human time** — draft → approved: from the draft's creation to its (last) approval, with
  submitted → approved (the verifiers' share) beside it;
* **reach** — approved → the first group reached, and → 95 % of the targeted groups reached
  (from the deliveries of all its dispatches; "reached" = the provider accepted the message).

Every value is ``None`` until its stage happened. The CAP receive time comes from
``received_at`` when the caller knows it, else from the CAP alert that drafted
the announcement (:meth:`~broadcaster.store.contract.cap.CapStore.cap_alert_for_announcement`;
none for an announcement written by a person).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..store.contract import Store
from ..store.records import AnnouncementRecord
from .rules import is_cap_draft


@dataclass(frozen=True, kw_only=True)
class Timings:
    announcement_id: int
    priority: str
    from_cap: bool
    received_at: float | None  # the CAP warning reached us
    drafted_at: float
    submitted_at: float | None
    approved_at: float | None
    first_reached_at: float | None
    p95_reached_at: float | None
    groups: int  # deliveries planned
    reached: int  # deliveries sent
    #: seconds: warning received → draft (system)
    system_seconds: float | None
    #: seconds: draft → approved (human), and the verifiers' share: submitted → approved
    human_seconds: float | None
    verify_seconds: float | None
    #: seconds: approved → first group reached, approved → 95 % of the groups reached
    first_seconds: float | None
    p95_seconds: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _span(start: float | None, end: float | None) -> float | None:
    if start is None or end is None:
        return None
    return round(max(0.0, end - start), 3)


async def _received(store: Store, record: AnnouncementRecord) -> float | None:
    alert = await store.cap_alert_for_announcement(record.id)
    return None if alert is None else alert.received_at


async def timings(store: Store, announcement_id: int, received_at: float | None = None) -> Timings:
    """The timings of one announcement (NotFound when it does not exist)."""
    record = await store.get_announcement(announcement_id)
    if received_at is None:
        received_at = await _received(store, record)
    times = await store.workflow_times(announcement_id)
    reach = await store.reach_times(announcement_id)
    drafted = record.created_at.timestamp()
    approved = times.get("approved")
    return Timings(
        announcement_id=record.id,
        priority=record.content.priority.value,
        from_cap=is_cap_draft(record),
        received_at=received_at,
        drafted_at=drafted,
        submitted_at=times.get("submitted"),
        approved_at=approved,
        first_reached_at=reach.first_at,
        p95_reached_at=reach.p95_at,
        groups=reach.groups,
        reached=reach.reached,
        system_seconds=_span(received_at, drafted),
        human_seconds=_span(drafted, approved),
        verify_seconds=_span(times.get("submitted"), approved),
        first_seconds=_span(approved, reach.first_at),
        p95_seconds=_span(approved, reach.p95_at),
    )


def duration(seconds: float | None) -> str:
    """``1 h 02 m``, ``4 m 05 s``, ``12.3 s``; ``–`` when it has not happened yet."""
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} m {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} m"
