"""The reach forecast of an announcement (issue 15)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from ...auth import Perm
from ...forecast.text import forecast_json
from ..auth import Need, Principal
from ..context import WebContext, web_context
from ..forecast import reader_forecast
from ..schemas import IdPath

router = APIRouter(tags=["announcements"])
Ctx = Annotated[WebContext, Depends(web_context)]
Reader = Annotated[Principal, Depends(Need(Perm.read))]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EtaOut(_Out):
    """Seconds from ``at`` until that share of the groups is reached (null: not within a
    year, or never — an account held until an operator acts, or not configured)."""

    p50: float | None
    p95: float | None
    p100: float | None


class ForecastLimitOut(_Out):
    kind: str = Field(
        description="rate, jitter, concurrency, group_interval, group_per_minute, daily_cap, "
        "quiet_hours (the number's), service_quiet_hours, queued_ahead, held, none"
    )
    value: float | int | str | None
    binding: bool = Field(description="the limit shapes this forecast")


class ForecastWarningOut(_Out):
    key: str
    id: str = Field(description="the warning in Bahasa Indonesia")
    en: str = Field(description="the warning in English")


class AccountForecastOut(_Out):
    account: str
    channel: str | None = Field(description="null: the account is not configured")
    groups: int
    remaining: int
    messages_per_group: int
    queued_ahead: int
    interval_seconds: float
    limits: list[ForecastLimitOut]
    eta_seconds: EtaOut
    warnings: list[ForecastWarningOut]


class ForecastOut(_Out):
    announcement_id: int
    dispatch_id: int | None = Field(description="the running dispatch forecast, if any")
    priority: str
    at: datetime
    groups: int
    remaining: int
    starts_in_seconds: float = Field(
        description="seconds until its schedule fires (0: now, or its dispatch is running)"
    )
    eta_seconds: EtaOut
    accounts: list[AccountForecastOut]
    warnings: list[ForecastWarningOut]


@router.get("/announcements/{announcement_id}/forecast", response_model=ForecastOut)
async def get_forecast(ctx: Ctx, who: Reader, announcement_id: IdPath) -> ForecastOut:
    """Reach forecast: per account the groups, the limits that bind and the seconds to 50, 95
    and 100 % — of the running dispatch (what remains) or, before dispatch, of the target."""
    f = await reader_forecast(ctx, who, announcement_id)
    return ForecastOut.model_validate(forecast_json(f))
