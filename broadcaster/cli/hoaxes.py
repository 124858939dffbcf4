"""``broadcaster hoaxes …``: the hoax desk's queue, verdicts (two people), clarifications and
the retention purge (docs/hoax-desk.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from ..app import App
from ..hoaxdesk import verdicts
from ..hoaxdesk.housekeeping import purge_once
from ..hoaxdesk.verdicts import Label
from ..store.contract.hoaxes import HoaxCase, HoaxStatus, HoaxVerdict
from .common import AsOption, ConfigOption, JsonOption, emit, emit_one, with_app

hoaxes = typer.Typer(
    help="The hoax desk: residents' reports grouped into cases, verdicts by two verifiers.",
    no_args_is_help=True,
)
CaseArg = typer.Argument(..., help="case id or code (HX-…)")


def _when(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def case_row(case: HoaxCase) -> dict[str, Any]:
    return {
        "id": case.id,
        "code": case.code,
        "status": case.status.value,
        "reports": case.reports,
        "first_seen": _when(case.first_seen),
        "last_seen": _when(case.last_seen),
        "regions": ",".join(case.regions),
        "channels": ",".join(case.channels),
        "summary": case.summary,
    }


def verdict_row(v: HoaxVerdict) -> dict[str, Any]:
    return {
        "verdict": v.id,
        "label": v.label,
        "claim": v.claim,
        "explanation": v.explanation,
        "sources": " ".join(v.sources),
        "verdict_status": v.status.value,
        "proposed_by": v.author,
        "decided_by": v.decided_by,
        "reason": v.reason,
        "hash": v.content_hash[:12],
    }


@hoaxes.command("list")
def list_(
    status: HoaxStatus | None = typer.Option(None, help="only cases with this status"),
    limit: int = typer.Option(100, min=1, help="at most this many rows"),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Cases by number of reports, then most recently reported."""

    async def go(app: App) -> list[HoaxCase]:
        return await app.store.list_hoax_cases([status] if status else [], limit=limit)

    columns = ["id", "code", "status", "reports", "first_seen", "regions"]
    emit([case_row(c) for c in with_app(config, go)], columns, as_json, keep=["code"])


@hoaxes.command("show")
def show(
    case_ref: str = CaseArg,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """A case with its verdict and its reports (reporters only as hashes)."""

    async def go(app: App) -> dict[str, Any]:
        case = await verdicts.find_case(app.store, case_ref)
        row = case_row(case)
        current = verdicts.current_verdict(await app.store.hoax_verdicts(case.id))
        if current is not None:
            row.update(verdict_row(current))
        row["report_list"] = [
            f"#{r.id} {_when(r.at)} {r.channel} {r.region or '-'} "
            f"{(r.content or '(purged)')[:80]!r}"
            + (f" media={r.media_ref or r.media_hash}" if r.media_ref or r.media_hash else "")
            for r in await app.store.hoax_reports(case.id)
        ]
        return row

    row = with_app(config, go)
    if not as_json:
        row["report_list"] = "\n".join(row["report_list"])
    emit_one(row, as_json)


@hoaxes.command("verdict")
def verdict(
    case_ref: str = CaseArg,
    label: Label = typer.Option(..., help="the ruling"),
    explanation: str = typer.Option(..., help="why, in plain words (sent to every reporter)"),
    source: list[str] = typer.Option([], "--source", help="a link backing the ruling; repeat"),
    claim: str | None = typer.Option(
        None, help="the claim as published (default: the first report's text)"
    ),
    acting: str = AsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Propose a verdict (verifiers); another verifier must confirm it."""

    async def go(app: App) -> HoaxVerdict:
        case = await verdicts.find_case(app.store, case_ref)
        return await verdicts.propose(
            app.store,
            case.id,
            label=label.value,
            explanation=explanation,
            sources=source,
            acting=acting,
            claim=claim,
        )

    emit_one(verdict_row(with_app(config, go)), as_json)


@hoaxes.command("confirm")
def confirm(
    case_ref: str = CaseArg,
    acting: str = AsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Confirm the proposed verdict (another verifier than its author); every reporter is
    answered on their channel and the verdict appears on /hoaks."""

    async def go(app: App) -> HoaxVerdict:
        case = await verdicts.find_case(app.store, case_ref)
        return await verdicts.confirm(
            app.store, case.id, acting=acting, public_url=app.settings.service.public_url
        )

    emit_one(verdict_row(with_app(config, go)), as_json)


@hoaxes.command("reject")
def reject(
    case_ref: str = CaseArg,
    reason: str = typer.Option(..., help="why, for the verifier who proposed it"),
    acting: str = AsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Reject the proposed verdict; the case goes back to open."""

    async def go(app: App) -> HoaxVerdict:
        case = await verdicts.find_case(app.store, case_ref)
        return await verdicts.reject(app.store, case.id, acting=acting, reason=reason)

    emit_one(verdict_row(with_app(config, go)), as_json)


@hoaxes.command("clarify")
def clarify(
    case_ref: str = CaseArg,
    acting: str = AsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Draft a "Klarifikasi: …" announcement of the confirmed verdict to the regions the
    reports came from (officers); it then goes through the normal verification."""

    async def go(app: App) -> dict[str, Any]:
        case = await verdicts.find_case(app.store, case_ref)
        record = await verdicts.clarify(
            app.store, case.id, acting=acting, public_url=app.settings.service.public_url
        )
        return {
            "announcement": record.id,
            "status": record.status.value,
            "title": record.content.variant("id").title,
            "targets": ",".join(record.content.target.regions),
            "next": f"broadcaster announcements submit {record.id} --as {acting}",
        }

    emit_one(with_app(config, go), as_json)


@hoaxes.command("purge")
def purge(
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Remove the personal parts of reports whose verdict is older than [hoax]
    retention_days, and the web form's pictures no remaining report refers to (the running
    service does this every hour by itself)."""

    async def go(app: App) -> dict[str, Any]:
        days = app.settings.hoax.retention_days
        count, pictures = await purge_once(
            app.store, app.settings.hoax, app.settings.service.data_dir
        )
        return {"purged_reports": count, "deleted_pictures": pictures, "retention_days": days}

    emit_one(with_app(config, go), as_json)
