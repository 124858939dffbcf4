"""Finding regions by name (``GET /regions/search?q=…``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from ...auth import Perm
from ...regionsearch import finder_for
from ..auth import Need, Principal
from ..context import WebContext, web_context

router = APIRouter()
Ctx = Annotated[WebContext, Depends(web_context)]
Reader = Annotated[Principal, Depends(Need(Perm.read))]


class RegionMatchOut(BaseModel):
    code: str
    level: str
    name: str
    label: str
    score: float


@router.get("/regions/search", response_model=list[RegionMatchOut], tags=["regions"])
async def search_regions(
    ctx: Ctx,
    who: Reader,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[RegionMatchOut]:
    """Regions by name, best first: forgiving case, abbreviations ("kec.", "kel.", "ds.",
    "kab.", "kota"), extra words (a parent's name) and a typo."""
    matches = await finder_for(ctx.store).search(q, limit)
    return [
        RegionMatchOut(
            code=m.region.code,
            level=m.region.level.value,
            name=m.region.name,
            label=m.label,
            score=round(m.score, 1),
        )
        for m in matches
    ]
