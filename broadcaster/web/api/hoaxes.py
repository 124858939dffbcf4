"""The hoax desk's cases (read-only): the queue and one case with its verdicts. Reporters are
never listed, only the number of reports; rulings are made in the dashboard or the CLI."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from ...auth import Perm
from ...errors import NotFound
from ...hoaxdesk.verdicts import may_rule
from ...store.contract.hoaxes import HoaxCase, HoaxStatus, HoaxVerdict
from ..auth import Need, Principal
from ..context import WebContext, web_context
from ..schemas import IdPath

router = APIRouter(tags=["hoaxes"])
Ctx = Annotated[WebContext, Depends(web_context)]
Reader = Annotated[Principal, Depends(Need(Perm.read))]


class HoaxCaseOut(BaseModel):
    id: int
    code: str
    status: HoaxStatus
    reports: int
    first_seen: float
    last_seen: float
    confirmed_at: float | None
    regions: list[str]
    channels: list[str]
    summary: str


class HoaxVerdictOut(BaseModel):
    id: int
    label: str
    claim: str
    explanation: str
    sources: list[str]
    status: str
    proposed_by: str
    decided_by: str | None
    content_hash: str


class HoaxCaseDetail(HoaxCaseOut):
    verdicts: list[HoaxVerdictOut]


def _case(c: HoaxCase) -> dict[str, object]:
    return {
        "id": c.id,
        "code": c.code,
        "status": c.status,
        "reports": c.reports,
        "first_seen": c.first_seen,
        "last_seen": c.last_seen,
        "confirmed_at": c.confirmed_at,
        "regions": list(c.regions),
        "channels": list(c.channels),
        "summary": c.summary,
    }


def _verdict(v: HoaxVerdict) -> HoaxVerdictOut:
    return HoaxVerdictOut(
        id=v.id,
        label=v.label,
        claim=v.claim,
        explanation=v.explanation,
        sources=list(v.sources),
        status=v.status.value,
        proposed_by=v.author,
        decided_by=v.decided_by,
        content_hash=v.content_hash,
    )


@router.get("/hoaxes", response_model=list[HoaxCaseOut])
async def list_cases(
    ctx: Ctx,
    who: Reader,
    status: Annotated[HoaxStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**6)] = 0,
) -> list[HoaxCaseOut]:
    """Cases by number of reports, then most recent; those with a region in the caller's
    scope (or with none)."""
    found = await ctx.store.list_hoax_cases(
        [status] if status else [], scope=who.user.scope, limit=limit, offset=offset
    )
    return [HoaxCaseOut.model_validate(_case(c)) for c in found]


@router.get("/hoaxes/{case_id}", response_model=HoaxCaseDetail)
async def show_case(ctx: Ctx, who: Reader, case_id: IdPath) -> HoaxCaseDetail:
    """One case with every verdict proposed for it (404 outside the caller's scope)."""
    case = await ctx.store.get_hoax_case(case_id)
    if not may_rule(who.user, case):
        raise NotFound(f"hoax case {case_id} not found")
    history = await ctx.store.hoax_verdicts(case.id)
    return HoaxCaseDetail.model_validate(
        {**_case(case), "verdicts": [_verdict(v).model_dump() for v in history]}
    )
