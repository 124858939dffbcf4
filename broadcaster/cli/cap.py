"""``broadcaster cap``: CAP 1.2 warnings in (``import``, ``alerts``, ``feeds``, ``source``);
CAP out is served at /v/CODE.cap.xml and /cap/feed.atom (docs/emergency.md)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from ..app import App
from .common import AsOption, ConfigOption, JsonOption, emit, emit_one, with_app

cap = typer.Typer(help="CAP 1.2 official warnings: import, received alerts, feeds.")


async def _read(location: str) -> bytes:
    """A CAP file's bytes from a path or an http(s) URL, at most the parser's limit (+1, so
    an oversize file is refused by the parser with its size). A URL is the one a person chose,
    so any host may be named; a redirect is followed only on its own origin (http → https on
    the same host too), a redirect elsewhere is refused naming its target host."""
    from ..cap.parse import MAX_CAP_BYTES
    from ..errors import InputError, LinkRefused

    if location.startswith(("http://", "https://")):
        import httpx

        from ..cap.origin import fetch_checked, host_of, origin_rule

        async with httpx.AsyncClient() as client:
            try:
                _, body = await fetch_checked(
                    client, location, MAX_CAP_BYTES, {}, 30.0, origin_rule(location)
                )
            except LinkRefused as exc:
                raise InputError(
                    f"{location} redirects to {host_of(exc.url)} ({exc.url}): another host, "
                    "not followed; import that URL itself if you trust it"
                ) from None
        return body

    def head() -> bytes:
        with Path(location).open("rb") as f:
            return f.read(MAX_CAP_BYTES + 1)

    try:
        return await asyncio.to_thread(head)
    except OSError as exc:
        raise InputError(f"{location}: cannot be read: {exc.strerror or exc}") from None


def _when(epoch: float | None) -> str:
    return "" if epoch is None else f"{datetime.fromtimestamp(epoch, UTC):%Y-%m-%d %H:%M:%S}Z"


@cap.command("import")
def cap_import(
    location: str = typer.Argument(..., help="a CAP 1.2 file, or its http(s) URL"),
    target: list[str] = typer.Option(
        [], "--target", help="region code(s) when no area resolves (default: your scope)"
    ),
    acting: str = AsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Import one CAP alert: a new alert becomes a DRAFT (you are its author, so another
    person verifies it); an Update replaces the draft it references; a Cancel cancels it.
    JSON: the announcement id, the outcome and the notes for the verifier."""
    from ..cap.intake import Intake, Source
    from ..cap.model import MSG_TYPES, SCOPES, STATUSES
    from ..cap.settings import CapPolicy

    async def go(app: App) -> dict[str, Any]:
        user = await app.directory.actor(acting)
        data = await _read(location)
        everything = CapPolicy(
            statuses=list(STATUSES),
            msg_types=[m for m in MSG_TYPES if m not in ("Ack", "Error")],
            scopes=list(SCOPES),
            min_severity="Unknown",
        )
        source = Source(
            feed="import",
            actor=user.name,
            default_target=tuple(target) or ((user.scope,) if user.scope else ()),
            policy=everything,
        )
        out = await Intake(app.store, app.workflow).receive(data, source)
        return out.as_dict()

    emit_one(with_app(config, go), as_json)


@cap.command("alerts")
def cap_alerts(
    limit: int = typer.Option(50, min=1, help="at most this many, newest first"),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """CAP alerts received (feeds and imports): what each became, when it arrived and how
    long its draft took (system time)."""

    async def go(app: App) -> list[dict[str, Any]]:
        return [
            {
                "id": a.id,
                "feed": a.feed,
                "sender": a.sender,
                "identifier": a.identifier,
                "msgType": a.msg_type,
                "status": a.status,
                "outcome": a.outcome,
                "announcement": a.announcement_id,
                "received": _when(a.received_at),
                "to_draft_s": None
                if a.drafted_at is None
                else round(a.drafted_at - a.received_at, 3),
                "notes": list(a.notes),
            }
            for a in await app.store.list_cap_alerts(limit)
        ]

    rows = with_app(config, go)
    columns = ["id", "feed", "identifier", "msgType", "outcome", "announcement", "received"]
    emit(rows, [*columns, "to_draft_s"], as_json, keep=["id", "identifier"])


@cap.command("feeds")
def cap_feeds(config: Path | None = ConfigOption, as_json: bool = JsonOption) -> None:
    """The configured CAP feeds (the cap.feeds tables of config.toml) with their polling
    state: failures in a row, the last error, the next poll (backed off after errors)."""

    async def go(app: App) -> list[dict[str, Any]]:
        rows = []
        for feed in app.settings.cap.feeds:
            state = await app.store.cap_feed_state(feed.name)
            rows.append(
                {
                    "name": feed.name,
                    "url": feed.url,
                    "enabled": feed.enabled,
                    "every_s": feed.poll_seconds,
                    "failures": state.failures,
                    "last_ok": _when(state.last_ok),
                    "next_poll": _when(state.next_poll) if state.next_poll else "now",
                    "last_error": state.last_error or "",
                    "etag": state.etag,
                }
            )
        return rows

    rows = with_app(config, go)
    emit(
        rows,
        ["name", "enabled", "every_s", "failures", "last_ok", "next_poll", "last_error"],
        as_json,
    )


@cap.command("source")
def cap_source(
    announcement_id: int = typer.Argument(..., help="an announcement drafted from CAP"),
    config: Path | None = ConfigOption,
) -> None:
    """Print the CAP XML the announcement was drafted from (and its updates), as received."""
    from ..errors import NotFound

    async def go(app: App) -> str:
        alerts = await app.store.cap_alerts_for_announcement(announcement_id)
        if not alerts:
            raise NotFound(f"announcement {announcement_id} was not drafted from CAP")
        return "\n".join(f"<!-- {a.msg_type} {a.identifier} -->\n{a.xml}" for a in alerts)

    typer.echo(with_app(config, go))
