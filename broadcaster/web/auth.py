"""Who is calling: the authentication dependency every route declares.

Each route depends on ``Need(perm)``: it authenticates the caller (API token or session cookie),
checks the caller's role has ``perm`` (region scopes are checked again by the core service for
the object acted on), and checks the CSRF token on unsafe requests made with a cookie. The
route × role test reads these dependencies from the app, so a route without one fails it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from fastapi import Request

from ..auth import Perm, allowed
from ..errors import NotAuthenticated, NotFound, PermissionDenied
from ..expiry import ensure_current
from ..store.contract import ApiToken
from ..store.records import User
from .context import SESSION_COOKIE, WebContext, web_context
from .security import sha256_hex

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class Principal:
    user: User
    session_id: str | None = None  # set when authenticated by the session cookie
    token: ApiToken | None = None

    @property
    def name(self) -> str:
        return self.user.name


async def session_principal(request: Request, ctx: WebContext) -> Principal | None:
    """The logged-in user of the session cookie, if it is valid and the user is active."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    sid = ctx.signer.unsign_session(cookie)
    if sid is None:
        return None
    session = await ctx.store.get_session(sha256_hex(sid), time.time())
    if session is None:
        return None
    try:
        user = await ctx.store.get_user(session.user)
    except NotFound:
        return None
    if not user.active:
        return None
    await _current(ctx, user)
    return Principal(user, session_id=sid)


async def token_principal(request: Request, ctx: WebContext) -> Principal | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    token = await ctx.store.find_api_token(sha256_hex(value.strip()), time.time())
    if token is None:
        raise NotAuthenticated("unknown or revoked API token")
    try:
        user = await ctx.store.get_user(token.user)
    except NotFound:
        raise NotAuthenticated("the token's user no longer exists") from None
    if not user.active:
        raise NotAuthenticated(f"user {user.name!r} is deactivated")
    await _current(ctx, user)
    return Principal(user, token=token)


async def _current(ctx: WebContext, user: User) -> None:
    """An expired account is refused with the reason (sessions and tokens alike)."""
    try:
        await ensure_current(ctx.store, user)
    except PermissionDenied as exc:
        raise NotAuthenticated(str(exc)) from None


class Need:
    """Dependency: an authenticated caller whose role holds ``perm``.

    ``tokens``: accept ``Authorization: Bearer`` API tokens (the JSON API does; pages do not).
    """

    def __init__(self, perm: Perm, *, tokens: bool = True) -> None:
        self.perm = perm
        self.tokens = tokens

    async def __call__(self, request: Request) -> Principal:
        ctx = web_context(request)
        principal = await token_principal(request, ctx) if self.tokens else None
        if principal is None:
            principal = await session_principal(request, ctx)
        if principal is None:
            raise NotAuthenticated("log in, or send an API token as 'Authorization: Bearer …'")
        if request.method not in SAFE_METHODS:
            if principal.token is not None and principal.token.read_only:
                raise PermissionDenied("this API token is read-only")
            if principal.session_id is not None:
                await check_csrf(request, ctx, principal.session_id)
        if not allowed(principal.user, self.perm):
            raise PermissionDenied(
                f"{principal.name!r} is {principal.user.role.value}; "
                f"{self.perm.value} is not allowed for that role"
            )
        return principal


async def check_csrf(request: Request, ctx: WebContext, session_id: str) -> None:
    token = request.headers.get(CSRF_HEADER)
    if token is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        token = value if isinstance(value, str) else None
    if not ctx.signer.csrf_ok(session_id, token):
        raise PermissionDenied("missing or wrong CSRF token; reload the page and try again")


class Public:
    """Marker dependency of routes anyone may call (login page, /v/CODE, static files)."""

    async def __call__(self) -> None:
        return None
