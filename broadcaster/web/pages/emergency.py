"""The phone-friendly approve page of an emergency or a CAP draft: ``/emergency/{id}``.

The on-call alert links here. Everything a verifier needs on one narrow page: the full content
(every language variant, the poll), the source, the target with region names, the priority,
the CAP source and the reach forecast (blocks other parts fill in), the timings so far, and the
approve / reject buttons — plain forms posting to the dashboard's existing approval routes
(``/announcements/{id}/approve|reject``, logged in, CSRF-checked, the one workflow), so there
is no second approval path. Opening the page acknowledges the reader's alerts about it.

Other parts add their context through :data:`EXTRAS`: each callable returns template variables
for the page. The template includes ``_cap_source.html`` (variable ``cap_source``: the CAP
alert behind a draft, or None) and ``_forecast.html`` (variable ``forecast``: the reach
forecast, or None) when those templates exist; both variables are None by default.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from content.markup import parse, to_html

from ...auth import Perm, allowed
from ...oncall.timings import duration, timings
from ...store.records import AnnouncementRecord, AuditRecord
from ..auth import Need, Principal
from ..context import WebContext, web_context
from ..views import announcement_detail, announcement_for
from .render import render

router = APIRouter()
Ctx = Annotated[WebContext, Depends(web_context)]
Reader = Annotated[Principal, Depends(Need(Perm.read, tokens=False))]

Extra = Callable[[WebContext, AnnouncementRecord], Awaitable[dict[str, Any]]]
#: providers of more template variables (``cap_source``, ``forecast``): the integrator appends
EXTRAS: list[Extra] = []


async def _extras(ctx: WebContext, record: AnnouncementRecord) -> dict[str, Any]:
    found: dict[str, Any] = {"cap_source": None, "forecast": None}
    for extra in EXTRAS:
        found.update(await extra(ctx, record))
    return found


_SPANS = ("system", "human", "verify", "first", "p95")


@router.get("/emergency/{announcement_id}")
async def emergency_page(request: Request, ctx: Ctx, who: Reader, announcement_id: int) -> Response:
    record = await announcement_for(ctx, who, announcement_id)  # NotFound outside the scope
    detail = await announcement_detail(ctx, who, announcement_id)
    regions = list(record.content.target.regions)
    names = await ctx.store.get_regions(regions)
    await ctx.store.acknowledge_alerts(
        record.id,
        who.name,
        AuditRecord(
            actor=who.name,
            action="oncall.acknowledge",
            object_type="announcement",
            object_id=str(record.id),
        ),
    )
    found = (await timings(ctx.store, record.id)).as_dict()
    return render(
        request,
        "emergency.html",
        who,
        a=detail,
        bodies={
            code: to_html(parse(v.body).document) for code, v in record.content.variants.items()
        },
        regions=[(code, names[code].name if code in names else "") for code in regions],
        timings=found,
        took={key: duration(found[f"{key}_seconds"]) for key in _SPANS},
        alerts=await ctx.store.alerts_for(record.id),
        can_verify=allowed(who.user, Perm.announcements_verify, regions)
        and who.name != record.author,
        **await _extras(ctx, record),
    )
