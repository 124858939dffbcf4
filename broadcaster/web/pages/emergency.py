"""The phone-friendly approve page of an emergency or a CAP draft: ``/emergency/{id}``.

The on-call alert links here. Everything a verifier needs on one narrow page: the full content
(every language variant, the poll), the source, the target with region names, the priority,
the CAP source and the reach forecast (blocks other parts fill in), the timings so far, and the
approve / reject buttons — plain forms posting to the dashboard's existing approval routes
(``/announcements/{id}/approve|reject``, logged in, CSRF-checked, the one workflow), so there
is no second approval path. Opening the page acknowledges the reader's alerts about it.

The page shows the CAP warnings behind a draft (``_cap_source.html``, from
:func:`broadcaster.web.pages.cap.cap_block`) and the reach forecast (``_forecast.html``, from
:func:`broadcaster.web.forecast.forecast_context`; None when it could not be made).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from content.markup import parse, to_html

from ...auth import Perm, allowed
from ...oncall.timings import duration, timings
from ...store.records import AuditRecord
from ..auth import Need, Principal
from ..context import WebContext, web_context
from ..forecast import forecast_context
from ..views import announcement_detail
from .cap import cap_block
from .render import language, render

router = APIRouter()
Ctx = Annotated[WebContext, Depends(web_context)]
Reader = Annotated[Principal, Depends(Need(Perm.read, tokens=False))]

_SPANS = ("system", "human", "verify", "first", "p95")


@router.get("/emergency/{announcement_id}")
async def emergency_page(request: Request, ctx: Ctx, who: Reader, announcement_id: int) -> Response:
    record = await announcement_detail(ctx, who, announcement_id)  # NotFound outside the scope
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
        a=record,
        bodies={
            code: to_html(parse(v.body).document) for code, v in record.content.variants.items()
        },
        regions=[(code, names[code].name if code in names else "") for code in regions],
        timings=found,
        took={key: duration(found[f"{key}_seconds"]) for key in _SPANS},
        alerts=await ctx.store.alerts_for(record.id),
        can_verify=allowed(who.user, Perm.announcements_verify, regions)
        and who.name != record.author,
        forecast=await forecast_context(ctx, who, record.id, language(request)),
        **await cap_block(ctx.store, record.id),
    )
