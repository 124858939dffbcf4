"""Public self-service pages (no login): ``/invite/{token}`` where an invited user sets their
own password, and ``/daftar`` where anyone subscribes an e-mail address (double opt-in, see
:mod:`broadcaster.web.optin`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from content.levels import GROUP_KINDS

from ...errors import BroadcasterError, InputError
from ...inbox import load_salt
from ...regionsearch import Match, finder_for
from ..auth import Public
from ..context import WebContext, web_context
from ..invites import Invites, accept_invite, check_invite
from ..optin import OptIn, OptIns, ask_confirmation, check_request, confirm
from .render import language, render

router = APIRouter()
Ctx = Annotated[WebContext, Depends(web_context)]
Anyone = Depends(Public())


@cache
def _secret(data_dir: str) -> bytes:
    return load_salt(Path(data_dir))


def _invites(ctx: WebContext) -> Invites:
    return Invites(_secret(str(ctx.settings.service.data_dir)))


def _optins(ctx: WebContext) -> OptIns:
    return OptIns(_secret(str(ctx.settings.service.data_dir)))


# -- invitations -------------------------------------------------------------------------


@router.get("/invite/{token}", dependencies=[Anyone])
async def invite_page(request: Request, ctx: Ctx, token: str) -> Response:
    try:
        name = await check_invite(ctx.store, _invites(ctx), token[:600])
    except BroadcasterError as exc:
        return render(request, "invite.html", name=None, error=str(exc), status_code=410)
    return render(request, "invite.html", name=name, token=token, error=None)


@router.post("/invite/{token}", dependencies=[Anyone])
async def invite_accept(request: Request, ctx: Ctx, token: str) -> Response:
    form = await request.form()
    password = str(form.get("password", ""))[:1024]
    again = str(form.get("password2", ""))[:1024]
    invites = _invites(ctx)
    try:
        name = await check_invite(ctx.store, invites, token[:600])
    except BroadcasterError as exc:
        return render(request, "invite.html", name=None, error=str(exc), status_code=410)
    if password != again:
        return render(
            request, "invite.html", name=name, token=token, error="mismatch", status_code=422
        )
    try:
        await accept_invite(ctx.store, invites, token[:600], password)
    except InputError as exc:
        return render(
            request, "invite.html", name=name, token=token, error=str(exc), status_code=422
        )
    return render(request, "invite.html", name=name, done=True, error=None)


# -- e-mail subscription with double opt-in -----------------------------------------------


def _email_account(ctx: WebContext) -> str | None:
    return next((n for n, a in sorted(ctx.adapters.items()) if a.channel == "email"), None)


def _form(request: Request, status: int = 200, **values: Any) -> Response:
    defaults: dict[str, Any] = {
        "kinds": GROUP_KINDS,
        "email": "",
        "place": "",
        "kind": "rt",
        "choices": [],
        "error": None,
        "sent": False,
    }
    return render(request, "daftar.html", status_code=status, **{**defaults, **values})


@router.get("/daftar", dependencies=[Anyone])
async def daftar_page(request: Request, ctx: Ctx) -> Response:
    if _email_account(ctx) is None:
        return _form(request, error="unavailable", status=404)
    return _form(request)


@router.post("/daftar", dependencies=[Anyone])
async def daftar_submit(request: Request, ctx: Ctx) -> Response:
    account = _email_account(ctx)
    if account is None:
        return _form(request, error="unavailable", status=404)
    form = await request.form()
    email = str(form.get("email", ""))[:254]
    place = str(form.get("place", ""))[:200]
    kind = str(form.get("kind", "rt"))[:40]
    code = str(form.get("code", ""))[:40]
    values: dict[str, Any] = {"email": email, "place": place, "kind": kind}
    lang = language(request)
    try:
        address, kind, lang = check_request(email, kind, lang)
    except InputError as exc:
        return _form(request, error=str(exc), status=422, **values)
    finder = finder_for(ctx.store)
    matches: list[Match] = await finder.resolve(code or place)
    if not matches:
        return _form(request, error="region", status=422, **values)
    if len(matches) > 1:
        return _form(request, choices=matches, status=200, **values)
    request_ = OptIn(account, address, matches[0].region.code, kind, lang)
    await ask_confirmation(ctx.store, _optins(ctx), ctx.settings.service.public_url, request_)
    return _form(request, sent=True, region=matches[0].label, **values)


@router.get("/daftar/confirm/{token}", dependencies=[Anyone])
async def daftar_confirm(request: Request, ctx: Ctx, token: str) -> Response:
    try:
        wanted = _optins(ctx).read(token[:800])
        group = await confirm(ctx.store, wanted)
    except BroadcasterError as exc:
        return render(request, "daftar_done.html", group=None, error=str(exc), status_code=410)
    found = await finder_for(ctx.store).resolve(group.region)
    label = found[0].label if found else group.region
    return render(request, "daftar_done.html", group=group, region=label, error=None)
