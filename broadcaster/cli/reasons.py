"""Why deliveries of a dispatch wait or failed (issue 10): the ``held``/``reasons`` part of
``broadcaster dispatches status`` and ``broadcaster dispatches failures``."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

import typer

from content.levels import Priority
from schedules.spec import load_zone

from ..app import App
from ..holds import Hold, dispatch_reasons, hold_text, holds_json, quiet_until
from ..progress import DispatchProgress, read_progress
from ..store.contract.holds import QUIET_HOURS, DeliveryProblem
from ..store.records import Dispatch, DispatchStatus, Progress
from .common import ConfigOption, JsonOption, emit, with_app


async def status_reasons(app: App, d: Dispatch, p: Progress | DispatchProgress) -> dict[str, Any]:
    """``held`` (count), ``holds`` (reason, count, until, text) and ``reasons`` (reason →
    count over failed and held deliveries) for ``dispatches status``."""
    now = datetime.now(UTC)
    found = await dispatch_reasons(
        app.store, d, p.by_status.get("queued", 0), app.settings.quiet_hours(), now
    )
    row: dict[str, Any] = {"held": found.held, "reasons": found.reasons}
    if found.holds:
        row["holds"] = holds_json(found, now)
        row["held_until"] = "; ".join(hold_text(h, now) for h in found.holds)
    return row


def schedule_hold(app: App, priority: Priority, at: datetime | None) -> str | None:
    """ "ditahan sampai 05.30 (jam tenang) / held until 05:30 (quiet hours)" when the service's
    quiet hours will hold a dispatch fired at ``at`` (None: not held)."""
    if at is None:
        return None
    end = quiet_until(app.settings.quiet_hours(), priority, at)
    if end is None:
        return None
    return hold_text(Hold(QUIET_HOURS, 0, end), at)


def _problem_row(r: DeliveryProblem, quiet_end: datetime | None, zone: tzinfo) -> dict[str, Any]:
    state, reason, until = r.state, r.reason, r.until
    if state == "queued":  # waiting for the service's quiet hours
        state, reason = "held", QUIET_HOURS
        until = None if quiet_end is None else quiet_end.timestamp()
    return {
        "delivery": r.delivery_id,
        "group": r.group_id,
        "title": r.title,
        "address": r.address,
        "channel": r.channel,
        "account": r.account,
        "state": state,
        "reason": reason,
        "until": None if until is None else datetime.fromtimestamp(until, zone).isoformat(),
    }


def dispatches_failures(
    dispatch_id: int = typer.Argument(...),
    limit: int = typer.Option(1000, "--limit", min=1, help="list at most this many deliveries"),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Each failed or held delivery of a dispatch: group, address, channel and the reason.

    (Registered as ``broadcaster dispatches failures`` by :mod:`.main`.)"""

    async def go(app: App) -> tuple[list[dict[str, Any]], int]:
        p = await read_progress(app.store, dispatch_id)
        d = p.dispatch
        quiet = app.settings.quiet_hours()
        quiet_end = quiet_until(quiet, d.priority, datetime.now(UTC))
        if d.status not in (DispatchStatus.planning, DispatchStatus.sending):
            quiet_end = None
        rows = await app.store.delivery_problems(
            dispatch_id, limit, include_queued=quiet_end is not None
        )
        counts = await app.store.delivery_reasons(dispatch_id)
        failed = sum(c.count for c in counts if c.state == "failed")
        held = sum(c.count for c in counts if c.state == "held")
        total = failed + (p.by_status.get("queued", 0) if quiet_end is not None else held)
        zone = load_zone(quiet.timezone)
        return [_problem_row(r, quiet_end, zone) for r in rows], total

    rows, total = with_app(config, go)
    emit(rows, ["group", "title", "address", "channel", "state", "reason"], as_json)
    if total > len(rows):
        typer.echo(f"{total - len(rows)} more not listed (use --limit {total})", err=True)
