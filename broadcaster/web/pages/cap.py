"""CAP out (issue 15): ``/v/CODE.cap.xml`` (one approved announcement as CAP 1.2) and
``/cap/feed.atom`` (an Atom index of the latest). Public, like the /v page they mirror."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from ...cap.out import CAP_MEDIA_TYPE, render_alert, render_feed
from ...cap.publishing import issuer_of, latest, published
from ...errors import NotFound
from ...store.contract import Store
from ..auth import Public
from ..context import WebContext, web_context

router = APIRouter()
Ctx = Annotated[WebContext, Depends(web_context)]
_CACHE = "public, max-age=60"


@router.get("/v/{code}.cap.xml", dependencies=[Depends(Public())])
async def cap_alert(ctx: Ctx, code: str) -> Response:
    """The announcement behind /v/CODE as a CAP 1.2 alert; 404 unless it was approved."""
    record = await ctx.store.find_announcement(code.strip()[:32])
    if record is None:
        raise NotFound(f"no approved announcement with code {code[:32]!r}")
    body = render_alert(await published(ctx.store, record), issuer_of(ctx.settings))
    return Response(body, media_type=CAP_MEDIA_TYPE, headers={"Cache-Control": _CACHE})


@router.get("/cap/feed.atom", dependencies=[Depends(Public())])
async def cap_feed(ctx: Ctx) -> Response:
    """An Atom feed of the latest approved announcements, each linking its CAP file."""
    items = await latest(ctx.store, ctx.settings.cap.feed_entries)
    body = render_feed(items, issuer_of(ctx.settings), datetime.now(UTC))
    return Response(body, media_type="application/atom+xml", headers={"Cache-Control": _CACHE})


async def cap_block(store: Store, announcement_id: int) -> dict[str, Any]:
    """What the announcement page shows of the CAP warnings behind a draft: each alert with
    when it was received and how long the system took to draft it, the notes the verifier must
    check (areas not resolved, no Indonesian text), and the CAP source as received."""
    alerts = await store.cap_alerts_for_announcement(announcement_id)
    return {
        "cap": [
            {
                "msg_type": a.msg_type,
                "identifier": a.identifier,
                "sender": a.sender,
                "outcome": a.outcome,
                "received": datetime.fromtimestamp(a.received_at, UTC),
                "to_draft": None if a.drafted_at is None else a.drafted_at - a.received_at,
            }
            for a in alerts
        ],
        "cap_notes": [n for a in alerts for n in a.notes],
        "cap_xml": "\n\n".join(a.xml for a in alerts),
    }
