"""Rendering templates in the reader's language, with the CSRF token and the logged-in user."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from content.i18n import format_datetime

from ..auth import Principal
from ..context import LANG_COOKIE, WebContext, web_context
from ..i18n import gettext_for, pick

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@cache
def environment(lang: str, timezone: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "svg"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(gettext_for(lang), newstyle=True)  # type: ignore[attr-defined]
    zone = ZoneInfo(timezone)

    def when(value: datetime | None) -> str:
        return "" if value is None else format_datetime(value, lang, zone)

    def short(value: datetime | None) -> str:
        return "" if value is None else value.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    def epoch(value: float) -> str:
        return short(datetime.fromtimestamp(value, UTC))

    env.filters["when"] = when
    env.filters["epoch"] = epoch
    env.filters["short"] = short
    env.globals["lang"] = lang
    return env


def language(request: Request) -> str:
    return pick(request.cookies.get(LANG_COOKIE))


def render(
    request: Request,
    template: str,
    who: Principal | None = None,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    ctx: WebContext = web_context(request)
    lang = language(request)
    env = environment(lang, ctx.settings.service.timezone)
    csrf = ctx.signer.csrf_token(who.session_id) if who and who.session_id else ""
    html = env.get_template(template).render(
        request=request,
        who=who,
        user=who.user if who else None,
        csrf=csrf,
        path=request.url.path,
        **values,
    )
    return HTMLResponse(html, status_code=status_code)
