"""``broadcaster oncall …``: the on-call rota, the alert log and per-emergency timings
(docs/emergency.md)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from ..app import App
from ..store.contract.oncall import AlertRecord, OncallEntry
from .common import AsOption, ConfigOption, JsonOption, console, emit, emit_one, with_app

oncall = typer.Typer(
    help="On-call verifiers: the rota, the alerts sent, the timings of an emergency.",
    no_args_is_help=True,
)


def _entry_row(e: OncallEntry) -> dict[str, Any]:
    from ..oncall.rota import clock, days_text

    return {
        "id": e.id,
        "order": e.position,
        "user": e.username,
        "channel": e.channel,
        "address": e.address,
        "days": days_text(e.days),
        "from": clock(e.start_minute),
        "to": clock(e.end_minute),
    }


def _at(value: float | None, zone: str) -> str | None:
    from zoneinfo import ZoneInfo

    if value is None:
        return None
    return datetime.fromtimestamp(value, ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S")


@oncall.command("add")
def oncall_add(
    user: str = typer.Argument(..., help="a verifier (or admin) who can approve"),
    channel: str = typer.Option(..., "--channel", help="telegram, email or whatsapp"),
    address: str = typer.Option(
        ..., "--address", help="Telegram chat id, e-mail address or WhatsApp number"
    ),
    days: str = typer.Option("daily", "--days", help="mon-fri, sat,sun, daily …"),
    start: str = typer.Option("00:00", "--from", help="window start HH:MM (rota timezone)"),
    end: str = typer.Option("24:00", "--to", help="window end HH:MM; before --from: overnight"),
    order: int | None = typer.Option(
        None, "--order", help="rota order (escalation goes to the next); default: last"
    ),
    acting: str = AsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Put USER on call: alerted on CHANNEL at ADDRESS in the window (an admin's action)."""
    from ..oncall.manage import Window, add_entry

    async def go(app: App) -> dict[str, Any]:
        window = Window(days=days, start=start, end=end)
        entry = await add_entry(
            app.directory, acting, user, channel.strip().lower(), address, window, order
        )
        account = app.settings.oncall.accounts.get(entry.channel)
        if account is None or account not in app.settings.accounts:
            console.print(
                f"warning: no alert account for {entry.channel}: set [oncall.accounts] "
                f"{entry.channel} = ACCOUNT in the config, else this entry is never alerted"
            )
        return _entry_row(entry)

    emit_one(with_app(config, go), as_json)


@oncall.command("list")
def oncall_list(
    user: str | None = typer.Option(None, "--user", help="only this user's entries"),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """The rota in order: who is alerted where and when (windows in the rota timezone)."""

    async def go(app: App) -> list[OncallEntry]:
        return await app.store.list_oncall(user)

    rows = [_entry_row(e) for e in with_app(config, go)]
    emit(
        rows,
        ["id", "order", "user", "channel", "address", "days", "from", "to"],
        as_json,
        keep=["id", "address"],
    )


@oncall.command("remove")
def oncall_remove(
    entry_id: int = typer.Argument(..., help="the entry's id (oncall list)"),
    acting: str = AsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Take one rota entry off (an admin's action)."""
    from ..oncall.manage import remove_entry

    async def go(app: App) -> dict[str, Any]:
        return _entry_row(await remove_entry(app.directory, acting, entry_id))

    emit_one(with_app(config, go), as_json)


@oncall.command("alerts")
def oncall_alerts(
    announcement_id: int = typer.Argument(...),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Who was told about an announcement, when, at which escalation level, and the outcome."""

    async def go(app: App) -> tuple[list[AlertRecord], str]:
        await app.store.get_announcement(announcement_id)  # NotFound names it
        zone = app.settings.oncall.timezone or app.settings.service.timezone
        return await app.store.alerts_for(announcement_id), zone

    alerts, zone = with_app(config, go)
    rows = [
        {
            "level": a.level,
            "reason": a.reason,
            "user": a.username,
            "channel": a.channel,
            "address": a.address,
            "at": _at(a.at, zone),
            "delivered": "failed" if a.failed else (_at(a.notice_sent_at, zone) or "waiting"),
            "error": a.notice_error,
            "acknowledged": _at(a.acknowledged_at, zone),
            "outcome": a.outcome,
        }
        for a in alerts
    ]
    columns = ["level", "reason", "user", "channel", "address", "at", "delivered", "outcome"]
    emit(rows, columns, as_json, keep=["address"])


@oncall.command("timings")
def oncall_timings(
    announcement_id: int = typer.Argument(...),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Warning received → draft (system), draft → approved (human), approved → first and 95 %
    of the groups reached. JSON: seconds and Unix times; null for what has not happened."""
    from ..oncall.timings import duration, timings

    async def go(app: App) -> dict[str, Any]:
        return (await timings(app.store, announcement_id)).as_dict()

    found = with_app(config, go)
    if as_json:
        emit_one(found, True)
        return
    rows = [
        {"stage": "warning received → draft (system)", "took": found["system_seconds"]},
        {"stage": "draft → approved (human)", "took": found["human_seconds"]},
        {"stage": "  of which submitted → approved", "took": found["verify_seconds"]},
        {"stage": "approved → first group reached", "took": found["first_seconds"]},
        {"stage": "approved → 95 % of groups reached", "took": found["p95_seconds"]},
    ]
    for row in rows:
        row["took"] = duration(row["took"])
    title = (
        f"announcement {announcement_id}: {found['reached']} of {found['groups']} groups reached"
    )
    emit(rows, ["stage", "took"], False, title=title)
