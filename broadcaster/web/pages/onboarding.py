"""Dashboard onboarding (issue 13): a sheet of groups imported with a preview of its problems,
the gateway numbers' unmapped groups mapped many at once, and invitations e-mailed to users."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from content.i18n import t
from content.levels import GROUP_KINDS

from ...adapter import DiscoveredGroup
from ...auth import Perm, allowed
from ...errors import BroadcasterError, ConfigError, DeliveryError
from ...expiry import describe
from ...onboarding import GroupImporter, ImportRejected
from ...regions import level_of
from ...regionsearch import finder_for
from ...store.records import GroupStatus
from ..auth import Need, Principal
from ..context import WebContext, web_context
from ..invites import Invites, create_invite
from .render import render
from .selfservice import _email_account, _secret

router = APIRouter()
Ctx = Annotated[WebContext, Depends(web_context)]
Adder = Annotated[Principal, Depends(Need(Perm.groups_add, tokens=False))]
Admin = Annotated[Principal, Depends(Need(Perm.users_manage, tokens=False))]
MAX_SHEET = 20 * 1024 * 1024


# -- import a sheet ----------------------------------------------------------------------


@router.get("/groups/import")
async def import_page(request: Request, who: Adder) -> Response:
    return render(request, "groups_import.html", who, report=None, sheet=None, name=None)


@router.post("/groups/import")
async def import_sheet(request: Request, ctx: Ctx, who: Adder) -> Response:
    """``preview`` validates (and keeps the sheet in the page for the import button);
    ``import`` writes, all or nothing."""
    form = await request.form()
    upload = form.get("file")
    name, data = "sheet.csv", b""
    if isinstance(upload, UploadFile) and upload.filename:
        name, data = upload.filename, await upload.read(MAX_SHEET + 1)
    elif isinstance(form.get("sheet"), str):
        name = str(form.get("name") or name)
        try:
            data = base64.b64decode(str(form.get("sheet")), validate=True)
        except (binascii.Error, ValueError):
            data = b""
    if not data or len(data) > MAX_SHEET:
        empty: dict[str, Any] = {"problems": [f"{name}: choose a CSV or XLSX file (at most 20 MB)"]}
        return render(request, "groups_import.html", who, report=empty, sheet=None, name=name)
    active = form.get("active") == "1" and allowed(who.user, Perm.groups_approve)
    check = form.get("action") != "import"
    importer = GroupImporter(ctx.directory)
    report: dict[str, Any]
    try:
        result = await importer.run(who.name, name, data, check=check, active=active)
        report = result.as_dict()
    except ImportRejected as exc:
        report = exc.report.as_dict()
    keep = base64.b64encode(data).decode() if check and not report["problems"] else None
    return render(
        request, "groups_import.html", who, report=report, sheet=keep, name=name, active=active
    )


# -- map the gateway's unmapped groups ----------------------------------------------------


async def _unmapped(ctx: WebContext) -> tuple[dict[str, list[DiscoveredGroup]], list[str]]:
    found: dict[str, list[DiscoveredGroup]] = {}
    problems: list[str] = []
    for account, adapter in sorted(ctx.adapters.items()):
        try:
            groups = await adapter.discover_groups()
        except ConfigError:
            continue  # this channel cannot list its groups
        except DeliveryError as exc:
            problems.append(f"{account}: {exc}")
            continue
        rows = []
        for group in groups:
            if await ctx.store.find_group(adapter.channel, account, group.address) is None:
                rows.append(group)
        found[account] = rows
    return found, problems


@router.get("/groups/discover")
async def discover_page(request: Request, ctx: Ctx, who: Adder) -> Response:
    found, problems = await _unmapped(ctx)
    return render(
        request,
        "groups_discover.html",
        who,
        found=found,
        problems=problems,
        kinds=GROUP_KINDS,
        results=[],
        can_approve=allowed(who.user, Perm.groups_approve),
    )


@router.post("/groups/discover")
async def discover_map(request: Request, ctx: Ctx, who: Adder) -> Response:
    """Map every ticked group at once: ``pick`` = "account|address", with ``region|…`` (a
    code or a name matching one region), ``kind|…`` and ``title|…`` of the same key."""
    form = await request.form()
    active = form.get("active") == "1" and allowed(who.user, Perm.groups_approve)
    status = GroupStatus.active if active else GroupStatus.pending
    results: list[tuple[str, str, bool]] = []
    finder = finder_for(ctx.store)
    for key in [str(v) for v in form.getlist("pick")]:
        account, _, address = key.partition("|")
        place = str(form.get(f"region|{key}", "")).strip()
        kind = str(form.get(f"kind|{key}", "rt"))
        title = str(form.get(f"title|{key}", ""))[:200]
        try:
            matches = await finder.resolve(place) if place else []
            if len(matches) != 1:
                hint = (
                    "no region given"
                    if not place
                    else (
                        f"{place!r} matches {len(matches)} regions; use the code"
                        if matches
                        else f"no region matches {place!r}"
                    )
                )
                raise ValueError(hint)
            region = matches[0].region.code
            if level_of(region) is None:
                raise ValueError(f"{region} is not a region code")
            group = await ctx.directory.add_group(
                who.name, account, address, region, kind, title, "id", status
            )
            results.append((title or address, f"#{group.id} → {matches[0].label}", True))
        except (BroadcasterError, ValueError) as exc:
            results.append((title or address, str(exc), False))
    found, problems = await _unmapped(ctx)
    return render(
        request,
        "groups_discover.html",
        who,
        found=found,
        problems=problems,
        kinds=GROUP_KINDS,
        results=results,
        can_approve=allowed(who.user, Perm.groups_approve),
    )


# -- users: e-mail an invitation ------------------------------------------------------------


async def _users_page(
    request: Request, ctx: WebContext, who: Principal, message: str | None = None
) -> Response:
    ends = await ctx.store.users_valid_until()
    rows = []
    for user in await ctx.store.list_users():
        if not allowed(who.user, Perm.users_manage, [user.scope] if user.scope else []):
            continue
        rows.append(
            {
                "name": user.name,
                "role": user.role.value,
                "scope": user.scope or "",
                "active": user.active,
                "email": await ctx.store.user_email(user.name),
                "valid_until": describe(ends[user.name]) if user.name in ends else "",
            }
        )
    return render(
        request,
        "users.html",
        who,
        users=rows,
        message=message,
        can_mail=_email_account(ctx) is not None,
    )


@router.get("/users")
async def users_page(request: Request, ctx: Ctx, who: Admin) -> Response:
    return await _users_page(request, ctx, who)


@router.post("/users/{name}/invite")
async def email_invite(request: Request, ctx: Ctx, who: Admin, name: str) -> Response:
    """Create the user's one-time link and e-mail it to their address (the running service's
    notifier sends it through the e-mail account)."""
    account = _email_account(ctx)
    address = await ctx.store.user_email(name)
    if account is None or address is None:
        return await _users_page(request, ctx, who, message="no-email")
    invites = Invites(_secret(str(ctx.settings.service.data_dir)))
    link = await create_invite(
        ctx.directory, invites, ctx.settings.service.public_url, who.name, name
    )
    text = "\n\n".join(t("ss.invite_mail", lang, name=name, link=link) for lang in ("id", "en"))
    await ctx.store.add_notice(account, address, text)
    return await _users_page(request, ctx, who, message=f"sent:{name}")
