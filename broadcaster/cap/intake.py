"""CAP intake: one received alert → a draft announcement (or an update, or a cancellation).

Rules (docs/emergency.md):

* an alert is known by (sender, identifier): the same one again adds nothing;
* ``Alert`` within the feed's policy → a **draft** (never submitted or approved by the
  system): author ``system:cap:<feed>`` for a configured feed; for ``cap import`` the person
  importing is the author (they chose the file, so they must not be able to approve it too);
* ``Update`` whose references name an alert we drafted → that draft's content is replaced
  through the workflow's edit path (approvals voided, back to draft); if it was already
  scheduled or sent, a new draft is written instead, with a note;
* ``Cancel`` → the referenced announcement is cancelled (its schedules, a running dispatch and
  its queued deliveries too); when groups were already reached, a short cancellation notice is
  drafted for exactly those groups (target ``reached_by`` the original's dispatches);
* everything received is recorded with the time it reached us and the time its draft was
  written, and the notes the verifier must see (areas not resolved, missing Indonesian text).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from content.hashing import content_hash
from content.model import Announcement, Priority, Target, Variant
from content.workflow import Status

from ..announcements import Workflow
from ..auth import SYSTEM, Perm, require
from ..errors import Conflict
from ..expiry import ensure_current
from ..regionsearch import RegionFinder, finder_for
from ..store.contract import CapAlertRecord, NewCapAlert, Store
from ..store.records import AnnouncementRecord, AuditRecord
from .drafting import content_of, main_info, md_escape, resolve_areas
from .model import CapAlert
from .parse import parse_alert
from .settings import SEVERITY_RANK, CapPolicy

log = logging.getLogger(__name__)

#: statuses in which an update may still replace the content (the edit path allows them)
EDITABLE = (Status.draft, Status.submitted, Status.approved, Status.rejected)
CANCELLABLE = (Status.draft, Status.submitted, Status.approved, Status.scheduled)
#: the most characters of the CAP source kept for the verifier (parsing refuses more anyway)
MAX_KEPT_XML = 512 * 1024


def system_author(feed: str) -> str:
    return f"{SYSTEM}:cap:{feed}"


@dataclass(frozen=True, kw_only=True)
class Source:
    """Where an alert came from and who acts for it."""

    feed: str  # a [[cap.feeds]] name, or "import"
    actor: str  # system:cap:<feed>, or the importing user's name
    default_target: Sequence[str] = ()
    policy: CapPolicy = field(default_factory=CapPolicy)

    @property
    def is_system(self) -> bool:
        return self.actor.startswith(SYSTEM + ":")


@dataclass(frozen=True, kw_only=True)
class Outcome:
    alert_id: int | None
    outcome: str  # drafted | updated | cancelled | duplicate | ignored: ... | ...
    announcement_id: int | None = None
    notice_id: int | None = None  # the cancellation notice drafted for groups reached
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "alert_id": self.alert_id,
            "outcome": self.outcome,
            "announcement_id": self.announcement_id,
            "notice_id": self.notice_id,
            "notes": list(self.notes),
        }


def policy_refusal(alert: CapAlert, policy: CapPolicy, new_draft: bool = True) -> str | None:
    """Why the policy does not act on ``alert`` (None: it does). The severity is checked only
    when the alert would become a new draft (an Alert, or an Update of an alert we never
    drafted): an Update or Cancel of a drafted alert always applies. A Cancel needs no
    <info> block."""
    if alert.msg_type not in policy.msg_types or alert.msg_type in ("Ack", "Error"):
        return f"msgType {alert.msg_type} is not acted on"
    if alert.status not in policy.statuses:
        return f"status {alert.status} is not drafted (policy: {', '.join(policy.statuses)})"
    if alert.scope not in policy.scopes:
        return f"scope {alert.scope} is not drafted"
    if alert.msg_type == "Cancel":
        return None
    info = main_info(alert)
    if info is None:
        return "no <info> block: nothing to say to residents"
    if new_draft and SEVERITY_RANK[info.severity] < SEVERITY_RANK[policy.min_severity]:
        return f"severity {info.severity} is below {policy.min_severity}"
    return None


#: told of every draft written or changed (e.g. to alert the on-call verifiers at once)
OnDraft = Callable[["Outcome"], Awaitable[None]]


class Intake:
    def __init__(
        self,
        store: Store,
        workflow: Workflow,
        finder: RegionFinder | None = None,
        on_draft: OnDraft | None = None,
    ):
        self.store = store
        self.workflow = workflow
        self.finder = finder or finder_for(store)
        self.on_draft = on_draft

    async def receive(
        self, data: bytes, source: Source, received_at: float | None = None
    ) -> Outcome:
        """Parse (CapInvalid when refused), record and act on one CAP file; then tell
        ``on_draft`` when a draft was written or changed (its failure is logged, never
        undoes the draft)."""
        out = await self._receive(data, source, received_at)
        if out.announcement_id or out.notice_id:
            await self.store.wake_alerts()  # the on-call alerter, in whichever process holds it
        if self.on_draft is not None and (out.announcement_id or out.notice_id):
            try:
                await self.on_draft(out)
            except Exception:
                log.exception("CAP intake: the on_draft hook failed for %s", out)
        return out

    async def _receive(self, data: bytes, source: Source, received_at: float | None) -> Outcome:
        received = time.time() if received_at is None else received_at
        alert = parse_alert(data)
        if await self.store.find_cap_alert(alert.sender, alert.identifier) is not None:
            return Outcome(alert_id=None, outcome="duplicate")
        changes = alert.msg_type in ("Update", "Cancel")
        previous = await self._referenced(alert) if changes else None
        new_draft = alert.msg_type == "Alert" or (alert.msg_type == "Update" and previous is None)
        refusal = policy_refusal(alert, source.policy, new_draft)
        if refusal is None and not source.is_system:
            await self._authorise(alert, source, previous)
        try:
            record = await self.store.add_cap_alert(
                NewCapAlert(
                    sender=alert.sender,
                    identifier=alert.identifier,
                    sent=alert.sent.isoformat(),
                    msg_type=alert.msg_type,
                    status=alert.status,
                    feed=source.feed,
                    received_at=received,
                    outcome="received" if refusal is None else f"ignored: {refusal}",
                    xml_sha256=hashlib.sha256(data).hexdigest(),
                    xml=data[:MAX_KEPT_XML].decode("utf-8", "replace"),
                ),
                AuditRecord(
                    actor=source.actor,
                    action="cap.receive",
                    object_type="cap_alert",
                    object_id="",
                    detail={
                        "sender": alert.sender,
                        "identifier": alert.identifier,
                        "msgType": alert.msg_type,
                        "feed": source.feed,
                        "ignored": refusal,
                    },
                ),
            )
        except Conflict:  # received meanwhile by another caller
            return Outcome(alert_id=None, outcome="duplicate")
        if refusal is not None:
            return Outcome(alert_id=record.id, outcome=record.outcome)
        if alert.msg_type == "Cancel":
            return await self._cancel(alert, record, source, previous)
        if previous is not None and previous.status in EDITABLE:
            return await self._update(alert, record, source, previous)
        return await self._draft(alert, record, source, previous)

    async def _authorise(
        self, alert: CapAlert, source: Source, previous: AnnouncementRecord | None
    ) -> None:
        """A person importing must be allowed to write where the draft would go (and, for an
        Update or Cancel, where the announcement it changes went), checked before the alert
        is recorded (else a refused import would make the alert a "duplicate" for the
        feeds)."""
        user = await ensure_current(self.store, await self.store.get_user(source.actor))
        regions = list(previous.content.target.regions) if previous is not None else []
        if alert.infos and alert.msg_type != "Cancel":
            content, _ = await self._content(alert, source)
            regions += content.target.regions
        require(user, Perm.announcements_write, regions)

    async def _referenced(self, alert: CapAlert) -> AnnouncementRecord | None:
        """The announcement of the newest referenced alert that has one."""
        for ref in reversed(alert.references):
            found = await self.store.find_cap_alert(ref.sender, ref.identifier)
            if found is not None and found.announcement_id is not None:
                return await self.store.get_announcement(found.announcement_id)
        return None

    async def _content(self, alert: CapAlert, source: Source) -> tuple[Announcement, list[str]]:
        areas = await resolve_areas(alert, self.finder)
        return content_of(alert, areas, source.default_target)

    async def _create(self, source: Source, content: Announcement) -> AnnouncementRecord:
        if not source.is_system:
            return await self.workflow.create(source.actor, content)
        digest = content_hash(content)
        return await self.store.create_announcement(
            source.actor,
            content,
            digest,
            AuditRecord(
                actor=source.actor,
                action="announcement.create",
                object_type="announcement",
                object_id="",
                detail={"from": "cap"},
                content_hash=digest,
            ),
        )

    async def _draft(
        self,
        alert: CapAlert,
        record: CapAlertRecord,
        source: Source,
        previous: AnnouncementRecord | None,
    ) -> Outcome:
        content, notes = await self._content(alert, source)
        if previous is not None:
            notes.insert(
                0,
                f"updates announcement {previous.id}, which was already {previous.status.value}: "
                "this is a new draft",
            )
        created = await self._create(source, content)
        linked = await self.store.link_cap_alert(
            record.id, created.id, "drafted", notes, time.time()
        )
        return Outcome(
            alert_id=record.id,
            outcome="drafted",
            announcement_id=created.id,
            notes=linked.notes,
        )

    async def _update(
        self,
        alert: CapAlert,
        record: CapAlertRecord,
        source: Source,
        previous: AnnouncementRecord,
    ) -> Outcome:
        content, notes = await self._content(alert, source)
        if source.is_system:
            await self.workflow.system_edit(source.actor, previous.id, content)
        else:
            await self.workflow.edit(source.actor, previous.id, content)
        linked = await self.store.link_cap_alert(
            record.id, previous.id, "updated", notes, time.time()
        )
        return Outcome(
            alert_id=record.id, outcome="updated", announcement_id=previous.id, notes=linked.notes
        )

    async def _cancel(
        self,
        alert: CapAlert,
        record: CapAlertRecord,
        source: Source,
        previous: AnnouncementRecord | None,
    ) -> Outcome:
        if previous is None:
            await self.store.link_cap_alert(
                record.id, None, "ignored: nothing of ours to cancel", (), None
            )
            return Outcome(alert_id=record.id, outcome="ignored: nothing of ours to cancel")
        reason = f"CAP Cancel {alert.identifier} from {alert.sender}"
        if previous.status in (*CANCELLABLE, Status.dispatching):
            if source.is_system:
                await self.workflow.system_cancel(source.actor, previous.id, reason)
            else:
                await self.workflow.cancel(source.actor, previous.id, reason)
        notice = await self._notice(alert, source, previous)
        notes = (
            [f"cancellation notice {notice.id} drafted for the groups reached"] if notice else []
        )
        await self.store.link_cap_alert(record.id, previous.id, "cancelled", notes, time.time())
        return Outcome(
            alert_id=record.id,
            outcome="cancelled",
            announcement_id=previous.id,
            notice_id=notice.id if notice else None,
            notes=tuple(notes),
        )

    async def _notice(
        self, alert: CapAlert, source: Source, previous: AnnouncementRecord
    ) -> AnnouncementRecord | None:
        """A draft telling exactly the groups already reached that the warning is withdrawn;
        None when no group was reached."""
        reached = []
        for dispatch in await self.store.list_dispatches(announcement_id=previous.id, limit=1000):
            progress = await self.store.dispatch_progress(dispatch.id)
            if progress.by_status.get("sent", 0) > 0:
                reached.append(dispatch.id)
        if not reached:
            return None
        old = previous.content
        info = main_info(alert)
        extra = [p for p in ((info.description, info.instruction) if info else ()) if p]
        variants = {}
        for lang, variant in old.variants.items():
            title = ("DIBATALKAN: " if lang == "id" else "CANCELLED: ") + variant.title
            lead = (
                f'Peringatan "{variant.title}" dibatalkan oleh {old.source or alert.sender}.'
                if lang == "id"
                else f'The warning "{variant.title}" was cancelled by {old.source or alert.sender}.'
            )
            body = "\n\n".join([md_escape(lead), *(md_escape(p) for p in extra)])
            variants[lang] = Variant(title=title[:200], body=body)
        target = Target(
            regions=old.target.regions,
            levels=old.target.levels,
            kinds=old.target.kinds,
            channels=old.target.channels,
            exclude=old.target.exclude,
            reached_by=reached,
        )
        content = Announcement(
            variants=variants,
            priority=max(old.priority, Priority.urgent, key=lambda p: p.rank),
            source=old.source,
            target=target,
        )
        return await self._create(source, content)
