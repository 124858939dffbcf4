"""No sequence of workflow actions dispatches unapproved, edited or tampered content, or lets an
author approve their own announcement (DESIGN §5, first invariant).

A Hypothesis state machine drives the real :class:`~broadcaster.announcements.Workflow` on a
fresh SQLite file per example with random users (authors included), random edits (some of which
restore earlier content), approvals, rejections, schedules, cancellations, dispatch attempts and
direct writes to the database file. It keeps its own record of what people actually did, and
after every step checks the store against it.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from broadcaster.announcements import Workflow
from broadcaster.errors import BroadcasterError
from broadcaster.store.records import AnnouncementRecord
from broadcaster.store.sqlite import SqliteStore
from content.hashing import canonical_json, content_hash
from content.model import Announcement, Poll, Priority, Target, Variant
from content.workflow import Status
from schedules.spec import ScheduleSpec
from tests.seed import seed_regions, seed_users

USERS = ("admin", "officer", "verifier", "verifier2", "serang_officer", "serang_verifier")
AUTHORS = ("officer", "admin", "serang_officer")
# Fixed instants, so that editing a field back restores byte-identical content.
FUTURE = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
PAST = datetime(2020, 1, 1, tzinfo=UTC)
FIRE = datetime(2030, 1, 1, 7, 0, tzinfo=UTC)

# field -> the values an edit may give it (some make the content invalid at submit)
CHOICES: dict[str, tuple[Any, ...]] = {
    "title": ("Peringatan banjir", "Peringatan banjir!", "Waspada longsor", ""),
    "body": ("Mohon **waspada**.", "Mohon *waspada*.", "Segera mengungsi.", " "),
    "priority": tuple(Priority),
    "source": (None, "BMKG", "BPBD Banten"),
    "regions": (("3673",), ("36",), ("3602",), ("3673010001",), ("3699",)),
    "options": (None, ("Ya", "Tidak"), tuple(f"Pilihan {n}" for n in range(13))),
    "expires_at": (FUTURE, None, PAST),
}
VALID: dict[str, Any] = {name: values[0] for name, values in CHOICES.items()}


def build(params: dict[str, Any]) -> Announcement:
    options = params["options"]
    return Announcement(
        variants={"id": Variant(title=params["title"], body=params["body"])},
        poll=Poll(question="Tergenang?", options=list(options)) if options else None,
        priority=params["priority"],
        source=params["source"],
        expires_at=params["expires_at"],
        target=Target(regions=list(params["regions"])),
    )


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Tracked:
    """What people did to one announcement, as the test saw it."""

    id: int
    author: str
    params: dict[str, Any]
    round: int = 0  # bumped by every successful edit: earlier approvals are void
    tampered: bool = False  # the database was written behind the workflow's back
    # (approver, canonical bytes they were shown, round)
    approvals: list[tuple[str, bytes, int]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)  # earlier params, oldest first

    @property
    def content(self) -> Announcement:
        return build(self.params)

    def approvers_of(self, digest: str) -> set[str]:
        return {
            who
            for who, shown, rnd in self.approvals
            if rnd == self.round and sha(shown) == digest and who != self.author
        }


announcement_index = st.integers(min_value=0, max_value=2)
# who takes the next regular step; "author" has the author try to approve their own
HELPERS = st.sampled_from(["verifier", "verifier2", "admin", "author"])


class WorkflowMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.tmp = tempfile.TemporaryDirectory()
        self.store = SqliteStore(Path(self.tmp.name) / "property.db")
        self.run(self._open())
        self.wf = Workflow(self.store)
        self.tracked: list[Tracked] = []
        self.dispatched: dict[int, str] = {}  # dispatch id -> content hash, checked when made

    async def _open(self) -> None:
        await self.store.open()
        await seed_regions(self.store, rw=1, rt=1)
        await seed_users(self.store)

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def attempt(self, coro: Any) -> Any:
        """Run one action; a refusal (any broadcaster error) is a normal outcome."""
        try:
            return self.run(coro)
        except BroadcasterError:
            return None

    def teardown(self) -> None:
        self.run(self.store.close())
        self.loop.close()
        self.tmp.cleanup()

    def pick(self, index: int) -> Tracked:
        return self.tracked[index % len(self.tracked)]

    def stored(self, item: Tracked) -> AnnouncementRecord:
        record = self.run(self.store.get_announcement(item.id))
        assert isinstance(record, AnnouncementRecord)
        return record

    # -- setup -------------------------------------------------------------------------------
    @initialize(needed=st.sampled_from([1, 2, 2]), author=st.sampled_from(AUTHORS))
    def configure(self, needed: int, author: str) -> None:
        self.wf = Workflow(self.store, approvals_required=needed)
        self.create(author, ("3673",))  # every author may target Kota Serang
        assert self.tracked, "the first announcement could not be created"

    # -- people ------------------------------------------------------------------------------
    @precondition(lambda self: len(self.tracked) < 3)
    @rule(author=st.sampled_from(AUTHORS), regions=st.sampled_from(CHOICES["regions"][:4]))
    def create(self, author: str, regions: tuple[str, ...]) -> None:
        params = {**VALID, "regions": regions}
        record = self.attempt(self.wf.create(author, build(params)))
        if record is not None:
            self.tracked.append(Tracked(record.id, author, params))

    @rule(
        index=announcement_index,
        actor=st.sampled_from(AUTHORS),
        name=st.sampled_from(sorted(CHOICES)),
        choice=st.integers(min_value=0, max_value=4),
    )
    def edit(self, index: int, actor: str, name: str, choice: int) -> None:
        item = self.pick(index)
        values = CHOICES[name]
        self._edit(item, actor, {**item.params, name: values[choice % len(values)]})

    @rule(index=announcement_index, back=st.integers(min_value=1, max_value=3))
    def edit_back(self, index: int, back: int) -> None:
        """Restore content exactly as it was a few edits ago (perhaps when it was approved)."""
        item = self.pick(index)
        if item.history:
            self._edit(item, item.author, item.history[-min(back, len(item.history))])

    @rule(
        index=announcement_index,
        helper=HELPERS,
        name=st.sampled_from(sorted(CHOICES)),
        choice=st.integers(min_value=1, max_value=4),
    )
    def approve_edit_and_restore(self, index: int, helper: str, name: str, choice: int) -> None:
        """An approval, then an edit and its exact undo, then a new submission: the approval
        belongs to the voided round even though the content is byte-identical again."""
        item = self.pick(index)
        if self.stored(item).status is Status.submitted:
            self.approve(index, item.author if helper == "author" else helper)
        before = item.params
        self.edit(index, item.author, name, choice)
        if item.params is not before:
            self._edit(item, item.author, before)
            self.submit(index, item.author)

    def _edit(self, item: Tracked, actor: str, params: dict[str, Any]) -> None:
        record = self.attempt(self.wf.edit(actor, item.id, build(params)))
        if record is not None:
            item.history.append(item.params)
            item.params, item.round, item.tampered = params, item.round + 1, False
            assert record.status is Status.draft
            assert record.approved_hash is None

    @rule(index=announcement_index, actor=st.sampled_from(AUTHORS))
    def submit(self, index: int, actor: str) -> None:
        self.attempt(self.wf.submit(actor, self.pick(index).id))

    @rule(index=announcement_index, actor=st.sampled_from(USERS))
    def approve(self, index: int, actor: str) -> None:
        item = self.pick(index)
        shown = canonical_json(self.stored(item).content)  # what the verifier reviews
        record = self.attempt(self.wf.approve(actor, item.id))
        if record is None:
            return
        assert actor != item.author, f"{actor} approved their own announcement {item.id}"
        assert not item.tampered, "tampered content was approved"
        assert shown == canonical_json(item.content)
        item.approvals.append((actor, shown, item.round))
        event(f"approval recorded ({record.status.value})")

    @rule(
        index=announcement_index,
        actor=st.sampled_from(USERS),
        reason=st.sampled_from(["", "Sumber belum jelas"]),
    )
    def reject(self, index: int, actor: str, reason: str) -> None:
        item = self.pick(index)
        record = self.attempt(self.wf.reject(actor, item.id, reason))
        if record is not None:
            assert actor != item.author and reason

    @rule(index=announcement_index, actor=st.sampled_from(AUTHORS), cron=st.booleans())
    def schedule(self, index: int, actor: str, cron: bool) -> None:
        item = self.pick(index)
        spec = ScheduleSpec.crontab("0 7 * * *") if cron else ScheduleSpec.now()
        if self.attempt(self.wf.schedule(actor, item.id, spec)) is not None:
            assert not item.tampered, "tampered content was scheduled"
            event("scheduled")

    @rule(index=announcement_index, actor=st.sampled_from(AUTHORS))
    def cancel(self, index: int, actor: str) -> None:
        self.attempt(self.wf.cancel(actor, self.pick(index).id))

    @rule(
        index=announcement_index,
        helper=HELPERS,
        steps=st.integers(min_value=1, max_value=4),
    )
    def advance(self, index: int, helper: str, steps: int) -> None:
        """The next regular steps, by people allowed to take them (random rules alone rarely
        get an announcement as far as a dispatch)."""
        item = self.pick(index)
        for _ in range(steps):
            status = self.stored(item).status
            if status is Status.draft:
                self.submit(index, item.author)
            elif status is Status.submitted:
                self.approve(index, item.author if helper == "author" else helper)
            elif status is Status.approved:
                self.schedule(index, item.author, cron=False)
            elif status in (Status.scheduled, Status.dispatching):
                self.dispatch(index, use_schedule=True, minute=0)
            elif status is Status.rejected:
                self.edit(index, item.author, "title", 1)

    # Hypothesis picks rules evenly: two more doors into the regular path make it common.
    @rule(
        index=announcement_index,
        helper=HELPERS,
        steps=st.integers(min_value=1, max_value=4),
    )
    def advance_again(self, index: int, helper: str, steps: int) -> None:
        self.advance(index, helper, steps)

    @rule(
        index=announcement_index,
        helper=HELPERS,
        steps=st.integers(min_value=1, max_value=4),
    )
    def advance_more(self, index: int, helper: str, steps: int) -> None:
        self.advance(index, helper, steps)

    # -- the service -------------------------------------------------------------------------
    @rule(
        index=announcement_index,
        use_schedule=st.booleans(),
        minute=st.integers(min_value=0, max_value=2),
    )
    def dispatch(self, index: int, use_schedule: bool, minute: int) -> None:
        item = self.pick(index)
        schedules = self.run(self.store.list_schedules(announcement_id=item.id))
        schedule = schedules[0] if use_schedule and schedules else None
        fire = FIRE + timedelta(minutes=minute)
        made = self.attempt(self.wf.start_dispatch(item.id, schedule, fire))
        if made is None:
            event(f"dispatch refused or repeated (tampered={item.tampered})")
            return
        assert not item.tampered, "tampered content was dispatched"
        approved_bytes = canonical_json(item.content)
        assert made.content_hash == sha(approved_bytes) == content_hash(item.content)
        approvers = item.approvers_of(made.content_hash)
        assert len(approvers) >= self.wf.approvals_required, (
            f"dispatch {made.id} of announcement {item.id} has approvers {approvers}"
        )
        assert canonical_json(self.stored(item).content) == approved_bytes
        self.dispatched[made.id] = made.content_hash
        event("dispatched")

    # -- an attacker with the database file --------------------------------------------------
    async def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        await self.store.db.execute(sql, params)
        await self.store.db.commit()

    @rule(index=announcement_index)
    def tamper_content(self, index: int) -> None:
        item = self.pick(index)
        current = self.stored(item).content
        body = current.variants["id"].body + " Transfer ke rekening 123."
        forged = current.model_copy(update={"variants": {"id": Variant(title="X", body=body)}})
        self.run(
            self._write(
                "UPDATE announcements SET content = ? WHERE id = ?",
                (forged.model_dump_json(), item.id),
            )
        )
        item.tampered = True

    @rule(index=announcement_index)
    def tamper_pin(self, index: int) -> None:
        """Rewrite content and both hashes consistently on approved content."""
        item = self.pick(index)
        record = self.stored(item)
        if record.status not in (Status.approved, Status.scheduled, Status.dispatching):
            return
        forged = build({**item.params, "body": "Transfer dana ke rekening 123."})
        digest = content_hash(forged)
        self.run(
            self._write(
                "UPDATE announcements SET content = ?, content_hash = ?, approved_hash = ? "
                "WHERE id = ?",
                (forged.model_dump_json(), digest, digest, item.id),
            )
        )
        item.tampered = True

    # -- invariants --------------------------------------------------------------------------
    @invariant()
    def every_dispatch_was_checked_when_made(self) -> None:
        dispatches = self.run(self.store.list_dispatches(limit=10_000))
        assert {d.id: d.content_hash for d in dispatches} == self.dispatched

    @invariant()
    def nobody_approved_their_own(self) -> None:
        for item in self.tracked:
            approvals = self.run(self.store.list_approvals(item.id))
            assert all(a.approver != item.author for a in approvals)

    @invariant()
    def approved_means_approved_in_this_round(self) -> None:
        for item in self.tracked:
            record = self.stored(item)
            if record.status in (Status.draft, Status.submitted, Status.rejected):
                assert record.approved_hash is None
            elif record.approved_hash is not None and not item.tampered:
                assert record.approved_hash == content_hash(item.content)
                assert len(item.approvers_of(record.approved_hash)) >= (
                    self.wf.approvals_required
                ), f"announcement {item.id} is {record.status.value} without enough approvals"


WorkflowMachine.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=40,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestWorkflowProperty = WorkflowMachine.TestCase
