"""The reach forecast for the dashboard and the API, read in the caller's scope.

``forecast_context`` gives the ``forecast`` variable of the ``_forecast.html`` block, which the
dispatch page, the announcement page and the on-call approve page include."""

from __future__ import annotations

import logging
from typing import Any

from content.i18n import MESSAGES, t

from ..forecast.model import Forecast
from ..forecast.service import forecast_for
from ..forecast.text import duration, forecast_json, number
from .auth import Principal
from .context import WebContext
from .views import announcement_for

log = logging.getLogger(__name__)


async def reader_forecast(ctx: WebContext, who: Principal, announcement_id: int) -> Forecast:
    """The forecast of an announcement the caller may see (NotFound otherwise, as for every
    read by id)."""
    await announcement_for(ctx, who, announcement_id)
    return await forecast_for(ctx.store, ctx.settings, ctx.adapters, announcement_id)


def _texts(eta: dict[str, float | None], lang: str) -> dict[str, str]:
    return {k: duration(float("inf") if v is None else v, lang) for k, v in eta.items()}


def forecast_view(f: Forecast, lang: str) -> dict[str, Any]:
    """The JSON form plus durations written for ``lang`` (``eta_text``)."""
    data = forecast_json(f)
    data["eta_text"] = _texts(data["eta_seconds"], lang)
    for account in data["accounts"]:
        account["eta_text"] = _texts(account["eta_seconds"], lang)
        for limit in account["limits"]:
            limit["text"] = _limit_text(limit["kind"], limit["value"], lang)
    return data


def _limit_text(kind: str, value: Any, lang: str) -> str:
    """The value of a limit as the page shows it after its name ("" for none)."""
    if value is None:
        return ""
    if kind == "held":
        return t(f"hold.{value}", lang) if f"hold.{value}" in MESSAGES else str(value)
    if kind in ("group_interval", "jitter"):
        return duration(float(value), lang)
    if isinstance(value, int | float):
        return number(float(value), lang)
    return str(value)


async def forecast_context(
    ctx: WebContext, who: Principal, announcement_id: int, lang: str
) -> dict[str, Any] | None:
    """The ``forecast`` variable of ``_forecast.html`` (None when it could not be made: the
    page around it still shows, and the reason is logged)."""
    try:
        return forecast_view(await reader_forecast(ctx, who, announcement_id), lang)
    except Exception:
        log.warning("forecast of announcement %s failed", announcement_id, exc_info=True)
        return None
