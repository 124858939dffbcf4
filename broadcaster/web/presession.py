"""Forms anyone may post (the login form, the public /lapor form) bind their CSRF token to a
signed pre-session cookie: a page on another site can neither read the token nor set the cookie,
so it cannot post the form in a visitor's browser."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response

from .context import WebContext


@dataclass(frozen=True)
class PreSession:
    """One form's pre-session cookie: its name, the path it is sent to, how long it lives, and
    the purpose its CSRF tokens are bound to."""

    cookie: str
    path: str
    purpose: str
    seconds: int = 3600

    def current(self, request: Request, ctx: WebContext) -> str | None:
        """The browser's pre-session id (None: no cookie, or not one we signed)."""
        cookie = request.cookies.get(self.cookie)
        return ctx.signer.unsign_login(cookie) if cookie else None

    def token(self, ctx: WebContext, pre_id: str) -> str:
        return ctx.signer.csrf_token(f"{self.purpose}:{pre_id}")

    def ok(self, request: Request, ctx: WebContext, token: object) -> bool:
        """The posted ``token`` belongs to this browser's cookie."""
        pre_id = self.current(request, ctx)
        if pre_id is None or not isinstance(token, str):
            return False
        return ctx.signer.csrf_ok(f"{self.purpose}:{pre_id}", token)

    def begin(self, request: Request, ctx: WebContext) -> tuple[str, bool]:
        """The pre-session id the form is rendered for, and whether it is new (then
        :meth:`attach` must set its cookie on the response)."""
        pre_id = self.current(request, ctx)
        if pre_id is None:
            return secrets.token_urlsafe(24), True
        return pre_id, False

    def attach(self, response: Response, ctx: WebContext, pre_id: str) -> None:
        response.set_cookie(
            self.cookie,
            ctx.signer.sign_login(pre_id),
            max_age=self.seconds,
            httponly=True,
            secure=ctx.settings.web.secure_cookies,
            samesite="lax",
            path=self.path,
        )
