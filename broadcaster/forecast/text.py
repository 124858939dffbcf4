"""The forecast as people read it: warnings in Bahasa Indonesia (default) or English,
durations and numbers formatted per language, and the JSON form of the CLI and the API."""

from __future__ import annotations

import math
from datetime import datetime, time
from typing import Any

from content.i18n import t

from .model import AccountForecast, Forecast, Note

LANGUAGES = ("id", "en")


def number(value: float, lang: str) -> str:
    """``1.200`` (id) / ``1,200`` (en); one decimal below 10 when not whole."""
    if value < 10 and value != int(value):
        text = f"{value:.1f}"
        return text.replace(".", ",") if lang == "id" else text
    text = f"{round(value):,}"
    return text.replace(",", ".") if lang == "id" else text


def duration(seconds: float, lang: str) -> str:
    """``6 hari`` / ``3 jam 20 menit`` / ``4 menit 5 detik`` / ``12 detik``."""
    if math.isinf(seconds):
        return t("forecast.never", lang)
    s = max(0, round(seconds))
    if s >= 2 * 86400:
        return t("forecast.days", lang, n=number(s / 86400, lang))
    if s >= 3600:
        return t("forecast.hours", lang, h=s // 3600, m=(s % 3600) // 60)
    if s >= 60:
        return t("forecast.minutes", lang, m=s // 60, s=s % 60)
    return t("forecast.seconds", lang, s=s)


def note_text(note: Note, lang: str) -> str:
    """One warning in ``lang``."""
    params: dict[str, Any] = {}
    for key, value in note.params.items():
        if key in ("delay", "duration", "interval"):
            params[key] = duration(float(value), lang)
        elif key == "reason":
            params[key] = t(f"hold.{value}", lang) if value else "?"
        elif isinstance(value, time):
            params[key] = f"{value:%H.%M}" if lang == "id" else f"{value:%H:%M}"
        elif isinstance(value, datetime):
            params[key] = value  # t() writes it as people in Indonesia do
        elif isinstance(value, int | float) and not isinstance(value, bool):
            params[key] = number(float(value), lang)
        else:
            params[key] = value
    return t(note.key, lang, **params)


def notes_json(notes: list[Note]) -> list[dict[str, Any]]:
    return [{"key": n.key, **{lang: note_text(n, lang) for lang in LANGUAGES}} for n in notes]


def _eta(eta: dict[int, float]) -> dict[str, float | None]:
    return {f"p{p}": None if math.isinf(v) else round(v, 3) for p, v in eta.items()}


def account_json(a: AccountForecast) -> dict[str, Any]:
    return {
        "account": a.account,
        "channel": a.channel,
        "groups": a.groups,
        "remaining": a.remaining,
        "messages_per_group": a.messages_per_group,
        "queued_ahead": a.ahead,
        "interval_seconds": round(a.interval, 4),
        "limits": [
            {"kind": lim.kind, "value": lim.value, "binding": lim.binding} for lim in a.limits
        ],
        "eta_seconds": _eta(a.eta),
        "warnings": notes_json(a.notes),
    }


def forecast_json(f: Forecast) -> dict[str, Any]:
    """The forecast as the CLI's ``--json`` and the API give it."""
    return {
        "announcement_id": f.announcement_id,
        "dispatch_id": f.dispatch_id,
        "priority": f.priority,
        "at": f.at.isoformat(),
        "groups": f.groups,
        "remaining": f.remaining,
        "starts_in_seconds": round(f.starts_in, 3),
        "eta_seconds": _eta(f.eta),
        "accounts": [account_json(a) for a in f.accounts],
        "warnings": notes_json(f.notes),
    }
