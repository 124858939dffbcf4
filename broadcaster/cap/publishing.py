"""The store reads behind CAP out (:mod:`.out`): which announcements are public and what
their CAP is made of."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from content.workflow import Status

from ..config import Settings
from ..errors import CapInvalid, NotFound
from ..store.contract import Store
from ..store.records import AnnouncementRecord
from .drafting import main_info
from .model import CapInfo
from .out import Issuer, Published, default_sender
from .parse import parse_alert

#: statuses whose announcement was approved and may be published (drafts, submitted and
#: rejected ones never were; an edited one is a draft again until approved again)
PUBLIC = (Status.approved, Status.scheduled, Status.dispatching, Status.done, Status.cancelled)


def issuer_of(settings: Settings) -> Issuer:
    cap = settings.cap
    return Issuer(
        sender=cap.sender or default_sender(settings.service.public_url),
        sender_name=cap.sender_name,
        public_url=settings.service.public_url,
        zone=ZoneInfo(settings.service.timezone),
    )


async def _origin(store: Store, announcement_id: int) -> CapInfo | None:
    for alert in reversed(await store.cap_alerts_for_announcement(announcement_id)):
        if alert.msg_type in ("Alert", "Update"):
            try:
                return main_info(parse_alert(alert.xml.encode("utf-8")))
            except CapInvalid:  # pragma: no cover - it was parsed when it arrived
                return None
    return None


async def published(store: Store, record: AnnouncementRecord) -> Published:
    """What the CAP of ``record`` says; NotFound unless it was approved (and is unchanged)."""
    if record.status not in PUBLIC or record.approved_hash is None:
        raise NotFound(f"announcement {record.short_code} was not approved: no CAP")
    approvals = [
        a.at
        for a in await store.list_approvals(record.id)
        if a.content_hash == record.approved_hash
    ]
    return Published(
        record=record,
        approved_at=max(approvals, default=record.updated_at),
        regions=await store.get_regions(record.content.target.regions),
        origin=await _origin(store, record.id),
    )


async def latest(store: Store, limit: int) -> list[Published]:
    """The latest ``limit`` published announcements, newest approval first."""
    found: list[Published] = []
    offset = 0
    while len(found) < limit:
        page = await store.list_announcements(limit=200, offset=offset)
        if not page:
            break
        offset += len(page)
        for record in page:
            if record.status in PUBLIC and record.approved_hash is not None:
                found.append(await published(store, record))
    found.sort(key=lambda p: p.approved_at, reverse=True)
    return found[:limit]
