"""``broadcaster web …``: dashboard passwords and API tokens."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from ..app import App
from ..web.accounts import create_token, revoke_token, set_password
from .common import AsOption, ConfigOption, JsonOption, console, emit, emit_one, fail, with_app

web = typer.Typer(help="Dashboard passwords and API tokens.", no_args_is_help=True)


@web.command("passwd")
def passwd(
    name: str = typer.Argument(..., help="whose password"),
    stdin: bool = typer.Option(
        False, "--password-stdin", help="read the password from standard input (scripts)"
    ),
    acting: str | None = typer.Option(
        None, "--as", help="the acting user (default: NAME itself); admins set others'"
    ),
    config: Path | None = ConfigOption,
) -> None:
    """Set a user's dashboard password (at least 10 characters; ends their open sessions)."""
    if stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    if not password:
        fail("empty password")

    async def go(app: App) -> None:
        await set_password(app.store, acting or name, name, password)

    with_app(config, go)
    console.print(f"password of {name} set", markup=False, highlight=False)


@web.command("token-add")
def token_add(
    user: str = typer.Option(..., "--user", help="the token acts as this user (role and scope)"),
    label: str = typer.Option(..., "--label", help="what the token is for, e.g. 'ci'"),
    read_only: bool = typer.Option(False, "--read-only", help="GET requests only"),
    acting: str = AsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Create an API token; it is printed once and only its SHA-256 is stored."""

    async def go(app: App) -> dict[str, Any]:
        token, record = await create_token(app.store, acting, user, label, read_only)
        return {"id": record.id, "user": record.user, "label": label, "token": token}

    emit_one(with_app(config, go), as_json)


@web.command("token-list")
def token_list(
    user: str | None = typer.Option(None, "--user"),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """API tokens (never their secret), revoked ones too."""

    async def go(app: App) -> list[dict[str, Any]]:
        return [
            {
                "id": t.id,
                "user": t.user,
                "label": t.label,
                "read_only": t.read_only,
                "created": f"{t.created_at:%Y-%m-%d %H:%M}",
                "last_used": f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else None,
                "revoked": f"{t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else None,
            }
            for t in await app.store.list_api_tokens(user)
        ]

    columns = ["id", "user", "label", "read_only", "created", "last_used", "revoked"]
    emit(with_app(config, go), columns, as_json)


@web.command("token-revoke")
def token_revoke(
    token_id: int = typer.Argument(...),
    acting: str = AsOption,
    config: Path | None = ConfigOption,
) -> None:
    """Revoke an API token at once."""

    async def go(app: App) -> None:
        await revoke_token(app.store, acting, token_id)

    with_app(config, go)
    console.print(f"token {token_id} revoked")


@web.command("invite")
def web_invite(
    name: str = typer.Argument(..., help="the user who sets their own password"),
    acting: str = AsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Print a one-time link (valid 72 hours) where NAME sets their own dashboard password.
    Send it to them privately; it stops working once used."""
    from ..web.invites import INVITE_HOURS, Invites, create_invite

    async def go(app: App) -> dict[str, Any]:
        invites = Invites.for_data_dir(app.settings.service.data_dir)
        link = await create_invite(
            app.directory, invites, app.settings.service.public_url, acting, name
        )
        return {"user": name, "link": link, "valid_hours": INVITE_HOURS}

    result = with_app(config, go)
    if as_json:
        emit_one(result, True)
    else:
        console.print(result["link"], highlight=False, soft_wrap=True)
