"""Login, logout and the language switch."""

from __future__ import annotations

import math
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from ...errors import NotAuthenticated
from ...expiry import describe
from ...store.records import AuditRecord
from ..auth import CSRF_FIELD, Principal, Public, check_csrf, session_principal
from ..context import LANG_COOKIE, SESSION_COOKIE, WebContext, web_context
from ..i18n import LANGUAGES
from ..presession import PreSession
from ..security import new_session_id, sha256_hex, verify_password
from .render import render

router = APIRouter()
#: the pre-session cookie the login form's CSRF token is bound to
LOGIN = PreSession(cookie="bc_login", path="/login", purpose="login")
Ctx = Annotated[WebContext, Depends(web_context)]
Anyone = Depends(Public())


def safe_next(target: str | None) -> str:
    """Only local paths: an attacker's ``?next=https://evil`` must not redirect off-site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/announcements"
    return target


def login_form(
    request: Request, ctx: WebContext, status_code: int = 200, **values: Any
) -> Response:
    """The login page with its CSRF token, (re)setting the pre-session cookie it is bound to."""
    pre_id, fresh = LOGIN.begin(request, ctx)
    page = render(
        request,
        "login.html",
        login_csrf=LOGIN.token(ctx, pre_id),
        status_code=status_code,
        **values,
    )
    if fresh:
        LOGIN.attach(page, ctx, pre_id)
    return page


def login_csrf_ok(request: Request, ctx: WebContext, token: object) -> bool:
    return LOGIN.ok(request, ctx, token)


@router.get("/login", dependencies=[Anyone])
async def login_page(request: Request, ctx: Ctx, next: str | None = None) -> Response:
    try:
        who = await session_principal(request, ctx)
    except NotAuthenticated:
        # the session of an account that has ended: its pages send it here, so the form is
        # shown (a redirect would loop)
        who = None
    if who is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return login_form(request, ctx, next=safe_next(next), error=None)


@router.post("/login", dependencies=[Anyone])
async def login(request: Request, ctx: Ctx) -> Response:
    form = await request.form()
    name = str(form.get("username", "")).strip()[:64]
    password = str(form.get("password", ""))[:1024]
    target = safe_next(str(form.get("next", "")))
    if not login_csrf_ok(request, ctx, form.get(CSRF_FIELD)):
        # a form posted from elsewhere (login CSRF) or an expired one: nothing is checked
        return login_form(request, ctx, status_code=403, next=target, error="csrf")
    address = request.client.host if request.client else "?"
    wait = await ctx.throttle.retry_after(name, address)
    if wait > 0:
        seconds = math.ceil(wait)
        page = login_form(
            request, ctx, status_code=429, next=target, error="throttled", wait=seconds
        )
        page.headers["Retry-After"] = str(seconds)
        return page
    stored = await ctx.store.get_password_hash(name) if name else None
    ok = await verify_password(stored, password)
    user = None
    if ok:
        user = next((u for u in await ctx.store.list_users() if u.name == name), None)
    if not ok or user is None or not user.active:
        await ctx.throttle.failed(name, address)
        await ctx.store.audit(
            AuditRecord(
                actor=name or "?",
                action="login.failed",
                object_type="user",
                object_id=name or "?",
                detail={"address": address},
            )
        )
        return login_form(request, ctx, status_code=401, next=target, error="invalid")
    until = await ctx.store.user_valid_until(user.name)
    if until is not None and time.time() >= until:
        await ctx.store.audit(
            AuditRecord(
                actor=user.name, action="login.expired", object_type="user", object_id=user.name
            )
        )
        return login_form(
            request, ctx, status_code=403, next=target, error="expired", until=describe(until)
        )
    await ctx.throttle.succeeded(name, address)
    sid, sid_hash = new_session_id()
    lifetime = ctx.settings.web.session_hours * 3600
    await ctx.store.create_session(sid_hash, user.name, time.time() + lifetime)
    await ctx.store.purge_sessions(time.time())
    await ctx.store.audit(
        AuditRecord(
            actor=user.name,
            action="login",
            object_type="user",
            object_id=user.name,
            detail={"address": address},
        )
    )
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(LOGIN.cookie, path=LOGIN.path)
    response.set_cookie(
        SESSION_COOKIE,
        ctx.signer.sign_session(sid),
        max_age=int(lifetime),
        httponly=True,
        secure=ctx.settings.web.secure_cookies,
        samesite="lax",
        path="/",
    )
    return response


@router.post("/logout", dependencies=[Anyone])
async def logout(request: Request, ctx: Ctx) -> Response:
    who: Principal | None = await session_principal(request, ctx)
    if who is not None and who.session_id is not None:
        await check_csrf(request, ctx, who.session_id)
        await ctx.store.delete_session(sha256_hex(who.session_id))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{code}", dependencies=[Anyone])
async def switch_language(request: Request, code: str, next: str | None = None) -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE, code, max_age=365 * 86400, samesite="lax", httponly=True, path="/"
        )
    return response
