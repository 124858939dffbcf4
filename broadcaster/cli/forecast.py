"""``broadcaster forecast ID``: the reach forecast of an announcement or its running dispatch
(imported only when the command runs)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .common import console, emit, emit_one, with_app

if TYPE_CHECKING:
    from ..app import App


def show_forecast(announcement_id: int, config: Path | None, as_json: bool, lang: str) -> None:
    from ..forecast.service import forecast_for
    from ..forecast.text import duration, forecast_json, note_text, number

    async def go(a: App) -> Any:
        return await forecast_for(a.store, a.settings, a.adapters, announcement_id)

    f = with_app(config, go)
    if as_json:
        emit_one(forecast_json(f), True)
        return

    def eta(values: dict[int, float]) -> dict[str, str]:
        return {f"{p} %": duration(values[p], lang) for p in (50, 95, 100)}

    head = {
        "announcement": f.announcement_id,
        "dispatch": f.dispatch_id if f.dispatch_id is not None else "-",
        "priority": f.priority,
        "groups": number(f.groups, lang),
        "remaining": number(f.remaining, lang),
        **eta(f.eta),
    }
    emit_one(head, False)
    rows = [
        {
            "account": a.account,
            "channel": a.channel or "-",
            "groups": a.remaining,
            "msgs/group": a.messages_per_group,
            "ahead": a.ahead,
            "binding": ", ".join(lim.kind for lim in a.limits if lim.binding) or "-",
            **eta(a.eta),
        }
        for a in f.accounts
    ]
    emit(rows, list(rows[0]) if rows else ["account"], False, keep=["account"])
    for note in f.notes:
        console.print(f"! {note_text(note, lang)}", highlight=False, markup=False)
