"""The public portal: ``/`` for visitors, ``/wilayah/CODE``, the feeds and the embeddable block
(docs/portal.md). No login, no cookies set, no script; everything read from the store's listing
of announcements that went out."""

from __future__ import annotations

import re
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ... import portal
from ...errors import NotFound
from ...regions import level_of
from ...store.records import Region
from ..auth import Public, session_principal
from ..context import WebContext, web_context
from ..i18n import LANGUAGES, gettext_for
from .render import environment, language, render

router = APIRouter()
Ctx = Annotated[WebContext, Depends(web_context)]
Anyone = Depends(Public())
ATOM = "application/atom+xml; charset=utf-8"
JSON_FEED = "application/feed+json; charset=utf-8"
# the embed may be framed by any site; it loads only its own stylesheet
EMBED_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors *"
)
FEED_CACHE = "public, max-age=60"
# a verification code typed into the search box opens its page
SHORT_CODE = re.compile(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}")


def page_number(raw: str | None) -> int:
    """``?hal=`` as a page number from 1 (anything else: 1; pages beyond 500 are not offered)."""
    return int(raw) if raw and raw.isdigit() and 1 <= int(raw) <= 500 else 1


def base_url(ctx: WebContext) -> str:
    return ctx.settings.service.public_url.rstrip("/")


async def regencies(ctx: WebContext) -> list[Region]:
    found: list[Region] = []
    for province in await ctx.store.portal_children(None):
        found += await ctx.store.portal_children(province.code)
    return found


@router.get("/", dependencies=[Anyone])
async def home(
    request: Request,
    ctx: Ctx,
    q: str = "",
    kab: str = "",
    hal: str | None = None,
) -> Response:
    """Officers land on their dashboard; visitors see the newest verified announcements."""
    if await session_principal(request, ctx) is not None:
        return RedirectResponse("/announcements", status_code=303)
    code = q.strip().removeprefix("/v/").upper()
    if SHORT_CODE.fullmatch(code):
        record = await ctx.store.find_announcement(code)
        if record is not None and record.status.value in portal.PUBLISHED:
            return RedirectResponse(f"/v/{record.short_code}", status_code=303)
    size = ctx.settings.portal.page_size
    page = page_number(hal)
    options = await regencies(ctx)
    region = kab if kab in {r.code for r in options} else None
    found = await portal.entries(
        ctx.store,
        language(request),
        now=time.time(),
        region=region,
        query=q,
        limit=size + 1,
        offset=(page - 1) * size,
    )
    return render(
        request,
        "portal/home.html",
        entries=found[:size],
        more=len(found) > size,
        page=page,
        q=q.strip()[:100],
        kab=region or "",
        regencies=options,
    )


async def _region(ctx: WebContext, code: str) -> list[Region]:
    return await portal.region_path(ctx.store, code[:32])


@router.get("/wilayah/{code}", dependencies=[Anyone])
async def region_page(request: Request, ctx: Ctx, code: str, hal: str | None = None) -> Response:
    """What was sent to a region (to it, to a region above it, or to a part of it)."""
    try:
        path = await _region(ctx, code)
    except NotFound:
        return render(request, "portal/missing.html", code=code[:32], status_code=404)
    size = ctx.settings.portal.page_size
    page = page_number(hal)
    found = await portal.entries(
        ctx.store,
        language(request),
        now=time.time(),
        region=path[-1].code,
        limit=size + 1,
        offset=(page - 1) * size,
    )
    return render(
        request,
        "portal/region.html",
        region=path[-1],
        crumbs=path,
        children=await ctx.store.portal_children(path[-1].code),
        entries=found[:size],
        more=len(found) > size,
        page=page,
        level=level_of(path[-1].code),
        base=base_url(ctx),
    )


@router.get("/embed/wilayah/{code}", dependencies=[Anyone])
async def embed(request: Request, ctx: Ctx, code: str, lang: str = "id") -> Response:
    """The block for regency and village websites: plain HTML in an iframe, no script, no
    cookie read or set (the language is ``?lang=``), framable by any site."""
    lang = lang if lang in LANGUAGES else "id"
    try:
        path = await _region(ctx, code)
    except NotFound:
        return Response("", status_code=404, media_type="text/plain")
    found = await portal.entries(ctx.store, lang, now=time.time(), region=path[-1].code, limit=5)
    # rendered in ?lang= rather than the reader's cookie language: the embed reads no cookie
    html = (
        environment(lang, ctx.settings.service.timezone)
        .get_template("portal/embed.html")
        .render(region=path[-1], entries=found)
    )
    return HTMLResponse(
        html, headers={"Content-Security-Policy": EMBED_CSP, "Cache-Control": FEED_CACHE}
    )


def _title(lang: str, region: Region | None) -> str:
    _ = gettext_for(lang).gettext
    name = _("Verified announcements, Kominfo Banten")
    return f"{name}: {region.name.title()}" if region else name


def feed_language(lang: str) -> str:
    """Feeds are read by feed readers, which send no cookie: ``?lang=en`` picks English, and a
    cached feed never depends on who asked first."""
    return lang if lang in LANGUAGES else "id"


@router.get("/feed.atom", dependencies=[Anyone])
async def feed_atom(ctx: Ctx, lang: str = "id") -> Response:
    lang = feed_language(lang)
    found = await portal.entries(
        ctx.store, lang, now=time.time(), limit=ctx.settings.portal.page_size
    )
    body = portal.atom(
        found, title=_title(lang, None), base=base_url(ctx), self_path="/feed.atom", page_path="/"
    )
    return Response(body, media_type=ATOM, headers={"Cache-Control": FEED_CACHE})


@router.get("/wilayah/{code}/feed.atom", dependencies=[Anyone])
async def region_feed_atom(ctx: Ctx, code: str, lang: str = "id") -> Response:
    lang = feed_language(lang)
    try:
        path = await _region(ctx, code)
    except NotFound:
        return Response("", status_code=404, media_type="text/plain")
    region = path[-1]
    found = await portal.entries(
        ctx.store, lang, now=time.time(), region=region.code, limit=ctx.settings.portal.page_size
    )
    body = portal.atom(
        found,
        title=_title(lang, region),
        base=base_url(ctx),
        self_path=f"/wilayah/{region.code}/feed.atom",
        page_path=f"/wilayah/{region.code}",
    )
    return Response(body, media_type=ATOM, headers={"Cache-Control": FEED_CACHE})


@router.get("/feed.json", dependencies=[Anyone])
async def feed_json(ctx: Ctx, lang: str = "id") -> Response:
    lang = feed_language(lang)
    found = await portal.entries(
        ctx.store, lang, now=time.time(), limit=ctx.settings.portal.page_size
    )
    body = portal.json_feed(
        found, title=_title(lang, None), base=base_url(ctx), self_path="/feed.json", lang=lang
    )
    return Response(body, media_type=JSON_FEED, headers={"Cache-Control": FEED_CACHE})
