"""The public hoax report form ``/lapor`` (issue 14): anyone reports a suspicious message — its
text, a link, a picture — and gets the case code on the result page. Checks (CSRF, rate limit
per client address, image size and type) are in :mod:`broadcaster.web.lapor`; the report is
filed by the hoax desk's :func:`~broadcaster.hoaxdesk.intake.file_report`."""

from __future__ import annotations

import logging
import math
import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from ...errors import InputError
from ...hoaxdesk import media
from ...hoaxdesk.intake import ReportIn, file_report, reporter_salt
from ...regionsearch import Match, finder_for
from ..auth import CSRF_FIELD, Public
from ..context import WebContext, web_context
from ..lapor import (
    MAX_TEXT,
    AddressLimiter,
    SharedLimiter,
    check_image,
    check_link,
    image_kind,
    image_limit,
)
from ..presession import PreSession
from .render import language, render

log = logging.getLogger(__name__)
router = APIRouter()
Ctx = Annotated[WebContext, Depends(web_context)]
Anyone = Depends(Public())
#: the pre-session cookie the form's CSRF token is bound to
FORM = PreSession(cookie="bc_lapor", path="/lapor", purpose="lapor")


def _limiter(request: Request) -> AddressLimiter:
    state = request.app.state
    if not hasattr(state, "lapor_limiter"):
        state.lapor_limiter = AddressLimiter()
    limiter: AddressLimiter = state.lapor_limiter
    return limiter


def _form(request: Request, ctx: WebContext, status: int = 200, **values: Any) -> Response:
    """The form with its CSRF token, (re)setting the cookie it is bound to."""
    pre_id, fresh = FORM.begin(request, ctx)
    defaults: dict[str, Any] = {
        "text": "",
        "link": "",
        "place": "",
        "choices": [],
        "error": None,
        "wait": 0,
        "image_kb": image_limit(ctx.settings.http.max_body) // 1024,
    }
    page = render(
        request,
        "lapor.html",
        status_code=status,
        lapor_csrf=FORM.token(ctx, pre_id),
        **{**defaults, **values},
    )
    if fresh:
        FORM.attach(page, ctx, pre_id)
    return page


@router.get("/lapor", dependencies=[Anyone])
async def lapor_page(request: Request, ctx: Ctx) -> Response:
    return _form(request, ctx)


@dataclass(frozen=True, kw_only=True)
class Picture:
    """An uploaded picture that passed :func:`~broadcaster.web.lapor.check_image`."""

    content: bytes
    digest: str  # hex SHA-256
    kind: str  # jpeg, png, gif or webp, from its first bytes


async def _image(form: Any, limit: int) -> Picture | None:
    """The uploaded image, checked (InputError), or None without one."""
    upload = form.get("image")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    content = await upload.read(limit + 1)
    if not content:
        return None
    digest = check_image(content, limit)
    return Picture(content=content, digest=digest, kind=image_kind(content) or "")


async def _keep(ctx: WebContext, picture: Picture) -> None:
    """Keep the filed report's picture for the verifiers (:mod:`broadcaster.hoaxdesk.media`).
    The report is filed already: a disk fault costs the verifiers the picture, not the resident
    their case code."""
    try:
        directory = media.media_dir(ctx.settings.service.data_dir)
        await media.keep(directory, picture.digest, picture.kind, picture.content)
    except OSError as exc:
        log.warning("hoax desk: the reported picture %s was not kept: %s", picture.digest, exc)


@router.post("/lapor", dependencies=[Anyone])
async def lapor_submit(request: Request, ctx: Ctx) -> Response:
    limit = image_limit(ctx.settings.http.max_body)
    try:
        form = await request.form(max_files=1, max_fields=20, max_part_size=limit + 1024)
    except MultiPartException:
        return _form(request, ctx, status=413, error="image_size")
    values: dict[str, Any] = {
        "text": str(form.get("text", ""))[:MAX_TEXT],
        "link": str(form.get("link", ""))[:2100],
        "place": str(form.get("place", ""))[:200],
    }
    if not FORM.ok(request, ctx, form.get(CSRF_FIELD)):
        return _form(request, ctx, status=403, error="csrf", **values)
    address = request.client.host if request.client else "?"
    limiter, shared = _limiter(request), SharedLimiter(ctx.store)
    # this process's count first: a flood from one address never reaches the database
    wait = limiter.retry_after(address) or await shared.retry_after(address)
    if wait > 0:
        page = _form(request, ctx, status=429, error="throttled", wait=math.ceil(wait), **values)
        page.headers["Retry-After"] = str(math.ceil(wait))
        return page
    try:
        link = check_link(values["link"])
        picture = await _image(form, limit)
    except InputError as exc:
        return _form(request, ctx, status=422, error=str(exc), **values)
    region = None
    code = str(form.get("code", ""))[:40]
    if values["place"].strip() or code:
        matches: list[Match] = await finder_for(ctx.store).resolve(code or values["place"])
        if not matches:
            return _form(request, ctx, status=422, error="region", **values)
        if len(matches) > 1:
            return _form(request, ctx, choices=matches, **values)
        region = matches[0]
    report = ReportIn(
        channel="web",
        account=None,
        address=None,
        reporter=secrets.token_hex(16),  # a per-submission id: the web knows nobody
        text=values["text"],
        link=link,
        media_ref=None if picture is None else f"sha256:{picture.digest}",
        media_hash=None if picture is None else picture.digest,
        region_code=None if region is None else region.region.code,
        language=language(request),
    )
    try:
        ack = await file_report(
            ctx.store,
            report,
            salt=reporter_salt(ctx.settings),
            similarity=ctx.settings.hoax.similarity,
        )
    except InputError:
        return _form(request, ctx, status=422, error="empty", **values)
    limiter.hit(address)
    await shared.hit(address)
    if picture is not None:
        await _keep(ctx, picture)
    label = None if region is None else region.label
    return render(request, "lapor_done.html", code=ack.case_code, region=label)
