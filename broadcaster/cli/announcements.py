"""``broadcaster announcements …`` and ``broadcaster dispatches …``"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from content.loader import load_file
from content.model import Announcement, Level, Poll, Priority, Target, Variant
from schedules.spec import ScheduleSpec

from ..adapter import Adapter
from ..app import App
from ..progress import read_progress
from ..store.contract import RECEIPT_ORDER
from ..store.records import AnnouncementRecord, Dispatch, DispatchStatus, ScheduleRecord
from .common import AsOption, ConfigOption, JsonOption, console, emit, emit_one, fail, with_app
from .reasons import dispatches_failures, schedule_hold, status_reasons

announcements = typer.Typer(help="Write, verify and schedule announcements.", no_args_is_help=True)
dispatches = typer.Typer(
    help="Watch dispatches (one sending of one announcement).", no_args_is_help=True
)


def _row(r: AnnouncementRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "code": r.short_code,
        "status": r.status.value,
        "priority": r.content.priority.value,
        "title": r.content.variant("id").title,
        "author": r.author,
        "targets": ",".join(r.content.target.regions),
        "hash": r.content_hash[:12],
        "approved": (r.approved_hash or "")[:12] or None,
        "reject_reason": r.reject_reason,
    }


def _from_flags(
    file: Path | None,
    title: str | None,
    body: str | None,
    region: list[str],
    kind: list[str],
    channel: list[str],
    level: list[Level],
    exclude: list[str],
    priority: Priority,
    source: str | None,
    expires: datetime | None,
    question: str | None,
    option: list[str],
    multiple: bool,
    public_results: bool = False,
) -> Announcement:
    if file is not None:
        if title or body or region or question:
            fail("give either --file or the content flags, not both")
        return load_file(file)
    if not title or not body or not region:
        fail("without --file, --title, --body and at least one --region are required")
    assert title is not None and body is not None
    poll = Poll(question=question, options=option, multiple=multiple) if question else None
    return Announcement(
        variants={"id": Variant(title=title, body=body)},
        poll=poll,
        priority=priority,
        source=source,
        expires_at=expires.replace(tzinfo=expires.tzinfo or UTC) if expires else None,
        target=Target(regions=region, kinds=kind, channels=channel, levels=level, exclude=exclude),
        public_results=public_results and poll is not None,
    )


_FILE = typer.Option(None, "--file", "-f", help="Markdown file with YAML front matter")
_TITLE = typer.Option(None, help="title (Bahasa Indonesia)")
_BODY = typer.Option(None, help="body, Markdown subset")
_REGION = typer.Option([], "--region", help="target region code (repeatable)")
_KIND = typer.Option([], "--kind", help="only these group kinds (repeatable)")
_CHANNEL = typer.Option([], "--channel", help="only these channels (repeatable)")
_LEVEL = typer.Option([], "--level", help="only groups attached at these levels")
_EXCLUDE = typer.Option([], "--exclude", help="leave out this region's subtree (repeatable)")
_PRIORITY = typer.Option(Priority.normal, help="normal, urgent or emergency")
_SOURCE = typer.Option(None, help="source attribution, e.g. BMKG")
_EXPIRES = typer.Option(None, help="expiry (ISO 8601 with offset)")
_QUESTION = typer.Option(None, help="poll question")
_OPTION = typer.Option([], "--option", help="poll option (repeatable)")
_MULTIPLE = typer.Option(False, help="poll allows several answers")
_PUBLIC_RESULTS = typer.Option(
    False, help="publish the poll's results on the public portal (docs/portal.md)"
)


@announcements.command("create")
def create(
    file: Path | None = _FILE,
    title: str | None = _TITLE,
    body: str | None = _BODY,
    region: list[str] = _REGION,
    kind: list[str] = _KIND,
    channel: list[str] = _CHANNEL,
    level: list[Level] = _LEVEL,
    exclude: list[str] = _EXCLUDE,
    priority: Priority = _PRIORITY,
    source: str | None = _SOURCE,
    expires: datetime | None = _EXPIRES,
    question: str | None = _QUESTION,
    option: list[str] = _OPTION,
    multiple: bool = _MULTIPLE,
    public_results: bool = _PUBLIC_RESULTS,
    acting: str = AsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Create a draft from a Markdown file with front matter, or from flags."""
    content = _from_flags(
        file,
        title,
        body,
        region,
        kind,
        channel,
        level,
        exclude,
        priority,
        source,
        expires,
        question,
        option,
        multiple,
        public_results,
    )

    async def go(app: App) -> AnnouncementRecord:
        return await app.workflow.create(acting, content)

    emit_one(_row(with_app(config, go)), as_json)


@announcements.command("edit")
def edit(
    announcement_id: int = typer.Argument(...),
    file: Path = typer.Option(..., "--file", "-f", help="the new content"),
    acting: str = AsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Replace the content. Voids approvals: the announcement returns to draft."""
    content = load_file(file)

    async def go(app: App) -> AnnouncementRecord:
        return await app.workflow.edit(acting, announcement_id, content)

    emit_one(_row(with_app(config, go)), as_json)


@announcements.command("list")
def list_(
    limit: int = typer.Option(50, min=1, help="at most this many rows"),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """List announcements, newest first."""

    async def go(app: App) -> list[AnnouncementRecord]:
        return await app.store.list_announcements(limit=limit)

    columns = ["id", "code", "status", "priority", "title", "author", "targets"]
    emit([_row(r) for r in with_app(config, go)], columns, as_json)


@announcements.command("show")
def show(
    announcement_id: int = typer.Argument(...),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Show an announcement with its approvals, schedules and dispatches."""

    async def go(app: App) -> dict[str, Any]:
        r = await app.store.get_announcement(announcement_id)
        row = _row(r)
        row["hash"] = r.content_hash
        row["approved"] = r.approved_hash
        row["body"] = r.content.variant("id").body
        row["approvals"] = [
            f"{a.approver} ({a.content_hash[:12]}, {a.at:%Y-%m-%d %H:%M})"
            for a in await app.store.list_approvals(r.id)
        ]
        row["schedules"] = [
            _schedule_text(s) for s in await app.store.list_schedules(announcement_id=r.id)
        ]
        row["dispatches"] = [
            f"#{d.id} {d.status.value} planned={d.planned}"
            for d in await app.store.list_dispatches(announcement_id=r.id)
        ]
        for alert in await app.store.cap_alerts_for_announcement(r.id):  # drafted from CAP
            row.setdefault("cap", []).append(
                f"{alert.msg_type} {alert.identifier} ({alert.sender}): {alert.outcome}"
            )
            row.setdefault("cap_notes", []).extend(alert.notes)
        return row

    emit_one(with_app(config, go), as_json)


def _schedule_text(s: ScheduleRecord) -> str:
    when = s.cron or (s.run_at.isoformat() if s.run_at else "now")
    return f"#{s.id} {s.kind} {when} {s.status.value}" + (f" ({s.note})" if s.note else "")


def _simple(name: str, doc: str, method: str) -> None:
    def command(
        announcement_id: int = typer.Argument(...),
        acting: str = AsOption,
        config: Path | None = ConfigOption,
        as_json: bool = JsonOption,
    ) -> None:
        async def go(app: App) -> AnnouncementRecord:
            action = getattr(app.workflow, method)
            result: AnnouncementRecord = await action(acting, announcement_id)
            return result

        emit_one(_row(with_app(config, go)), as_json)

    command.__doc__ = doc
    announcements.command(name)(command)


_simple("submit", "Submit a draft for verification (every problem is listed at once).", "submit")
_simple("approve", "Approve (verifiers; never the author). Pins the content hash.", "approve")


@announcements.command("reject")
def reject(
    announcement_id: int = typer.Argument(...),
    reason: str = typer.Option(..., help="why, for the author"),
    acting: str = AsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Reject with a reason; the author edits and resubmits."""

    async def go(app: App) -> AnnouncementRecord:
        return await app.workflow.reject(acting, announcement_id, reason)

    emit_one(_row(with_app(config, go)), as_json)


@announcements.command("cancel")
def cancel(
    announcement_id: int = typer.Argument(...),
    reason: str = typer.Option("", help="recorded in the audit log"),
    acting: str = AsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Cancel: schedules stop, queued deliveries are cancelled."""

    async def go(app: App) -> AnnouncementRecord:
        return await app.workflow.cancel(acting, announcement_id, reason)

    emit_one(_row(with_app(config, go)), as_json)


@announcements.command("schedule")
def schedule(
    announcement_id: int = typer.Argument(...),
    when: str = typer.Option(
        "now",
        "--when",
        help="'now', an ISO time (local to [service] timezone), or 'cron:M H D M W'",
    ),
    acting: str = AsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Schedule an approved announcement; the running service dispatches it."""

    async def go(app: App) -> dict[str, Any]:
        tz = app.settings.service.timezone
        now = datetime.now(UTC)
        spec = ScheduleSpec.parse(when, tz, now)
        s = await app.workflow.schedule(acting, announcement_id, spec)
        row: dict[str, Any] = {
            "schedule": s.id,
            "announcement": s.announcement_id,
            "when": _schedule_text(s),
        }
        record = await app.store.get_announcement(announcement_id)
        held = schedule_hold(
            app, record.content.priority, s.run_at or (now if s.kind == "now" else None)
        )
        if held is not None:
            row["held"] = held
        return row

    emit_one(with_app(config, go), as_json)


def _dispatch_row(d: Dispatch) -> dict[str, Any]:
    return {
        "id": d.id,
        "announcement": d.announcement_id,
        "status": d.status.value,
        "priority": d.priority.value,
        "planned": d.planned,
        "created": f"{d.created_at:%Y-%m-%d %H:%M:%S}",
        "finished": f"{d.finished_at:%Y-%m-%d %H:%M:%S}" if d.finished_at else None,
    }


@dispatches.command("list")
def dispatches_list(
    limit: int = typer.Option(50, min=1, help="at most this many rows"),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """List dispatches, newest first."""

    async def go(app: App) -> list[Dispatch]:
        return await app.store.list_dispatches(limit=limit)

    columns = ["id", "announcement", "status", "priority", "planned", "created", "finished"]
    emit([_dispatch_row(d) for d in with_app(config, go)], columns, as_json)


def _receipts_by_channel(
    adapters: dict[str, Adapter], by_channel: dict[str, dict[str, int]], counts: dict[str, int]
) -> dict[str, dict[str, int]]:
    """Receipt counts (latest status per message: sent, delivered, read, failed) under the
    dispatch's channels whose configured adapters report receipts. The store counts receipts
    per dispatch, so two such channels in one dispatch share one entry ("a+b")."""
    reporting = sorted(
        channel
        for channel in by_channel
        if any(a.channel == channel and a.delivery_receipts for a in adapters.values())
    )
    # receipts exist, so some channel reported them even if its account left the config
    key = "+".join(reporting or sorted(by_channel)) or "unknown"
    ordered = sorted(counts, key=lambda s: RECEIPT_ORDER.get(s, len(RECEIPT_ORDER) + 1))
    return {key: {status: counts[status] for status in ordered}}


@dispatches.command("status")
def dispatches_status(
    dispatch_id: int = typer.Argument(...),
    watch: bool = typer.Option(False, "--watch", "-w", help="live progress bar until done"),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Sent, failed, held, remaining, rate and ETA of one dispatch, with the reasons of failed
    and held deliveries (reason → count) and until when each hold lasts; for channels that
    report receipts (WhatsApp), how many messages were delivered, read or failed after
    sending. ``broadcaster dispatches failures`` lists the deliveries themselves."""

    async def snapshot(app: App) -> dict[str, Any]:
        p = await read_progress(app.store, dispatch_id)
        row = _dispatch_row(p.dispatch)
        row.update(
            sent=p.sent,
            failed=p.failed,
            cancelled=p.cancelled,
            remaining=p.remaining,
            by_channel=p.by_channel,
        )
        receipts = await app.store.receipt_counts(dispatch_id)
        if receipts:
            row["receipts"] = _receipts_by_channel(app.adapters, p.by_channel, receipts)
        row.update(await status_reasons(app, p.dispatch, p))
        return row

    if not watch:
        emit_one(with_app(config, snapshot), as_json)
        return

    async def follow(app: App) -> dict[str, Any]:
        row = await snapshot(app)
        started, first_done = time.monotonic(), row["sent"] + row["failed"]
        with Progress(
            TextColumn("[bold]dispatch {task.fields[id]}[/]"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TextColumn("sent {task.fields[sent]} failed {task.fields[failed]}"),
            TextColumn("{task.fields[rate]:.1f}/s"),
            TimeRemainingColumn(),
            console=console,
        ) as bar:
            task = bar.add_task(
                "", total=max(row["planned"], 1), id=dispatch_id, sent=0, failed=0, rate=0.0
            )
            while True:
                row = await snapshot(app)
                finished = row["sent"] + row["failed"] + row["cancelled"]
                elapsed = max(time.monotonic() - started, 1e-6)
                rate = (row["sent"] + row["failed"] - first_done) / elapsed
                bar.update(
                    task,
                    total=max(row["planned"], 1),
                    completed=finished,
                    sent=row["sent"],
                    failed=row["failed"],
                    rate=rate,
                )
                if row["status"] in (DispatchStatus.done.value, DispatchStatus.cancelled.value):
                    return row
                await asyncio.sleep(0.5)

    emit_one(with_app(config, follow), as_json)


# each failed or held delivery with its reason (its own module: holds and reasons)
dispatches.command("failures")(dispatches_failures)
