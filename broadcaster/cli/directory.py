"""``broadcaster regions|groups|users …``"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import typer

from content.levels import Level

from ..app import App
from ..auth import Perm, require
from ..errors import NotFound
from ..store.records import Group, GroupFilter, GroupStatus, Role, User
from .common import AsOption, ConfigOption, JsonOption, console, emit, emit_one, with_app

regions = typer.Typer(help="Import and browse the region hierarchy.", no_args_is_help=True)
groups = typer.Typer(
    help="Add, approve, pause, resume, remove and move groups.", no_args_is_help=True
)
users = typer.Typer(help="Manage users, their roles and region scopes.", no_args_is_help=True)


ValidUntilOption = typer.Option(
    None,
    "--valid-until",
    help="the account ends after this date (YYYY-MM-DD, WIB); 'never' removes the end",
)
EmailOption = typer.Option(None, "--email", help="e-mail address (dashboard invitations)")


async def validity(
    app: App, acting: str, name: str, valid_until: str | None, email: str | None
) -> None:
    """Apply --valid-until / --email (authorised like any change to the user)."""
    if valid_until is None and email is None:
        return
    from ..expiry import parse_valid_until
    from ..people import set_validity

    never = valid_until is not None and valid_until.strip().lower() == "never"
    until = parse_valid_until(valid_until) if valid_until and not never else None
    await set_validity(app.directory, acting, name, until, email, clear=never)


@regions.command("import")
def regions_import(
    directory: Path | None = typer.Argument(
        None, help="folder with provinces/regencies/districts/villages.csv (no header)"
    ),
    province: str | None = typer.Option(None, help="import only this province (e.g. 36)"),
    rw: int = typer.Option(0, help="create N RW units in every imported village"),
    rt: int = typer.Option(0, help="create N RT units in every RW created with --rw"),
    units: Path | None = typer.Option(None, help="CSV of village,rw,rt (RT count per RW)"),
    acting: str = AsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Import regions in one transaction; bad input imports nothing and names file:line."""
    from ..importer import UnitPlan, import_regions

    async def go(app: App) -> dict[str, Any]:
        user = await app.directory.actor(acting)
        require(user, Perm.regions_import)
        stats = await import_regions(
            app.store, directory, user.name, province, UnitPlan(rw, rt, units)
        )
        return asdict(stats)

    emit_one(with_app(config, go), as_json)


@regions.command("list")
def regions_list(
    under: str | None = typer.Option(None, help="only regions under this code"),
    level: Level | None = typer.Option(None, help="only this level"),
    limit: int = typer.Option(50, min=1, help="at most this many rows"),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """List regions in code order."""

    async def go(app: App) -> tuple[list[dict[str, Any]], int]:
        rows: list[dict[str, Any]] = []
        async for region in app.store.iter_regions(under, level, batch=min(limit, 1000)):
            rows.append({"code": region.code, "level": region.level.value, "name": region.name})
            if len(rows) >= limit:
                break
        return rows, await app.store.count_regions(under, level)

    rows, total = with_app(config, go)
    emit(rows, ["code", "level", "name"], as_json, title=f"{len(rows)} of {total} regions")


def _group_row(g: Group) -> dict[str, Any]:
    return {
        "id": g.id,
        "channel": g.channel,
        "account": g.account,
        "address": g.address,
        "region": g.region,
        "kind": g.kind,
        "status": g.status.value,
        "title": g.title,
        "subscribed_by": g.subscribed_by,
        "approved_by": g.approved_by,
    }


@groups.command("add")
def groups_add(
    account: str = typer.Option(..., help="configured account name ([accounts.NAME])"),
    address: str = typer.Option(..., help="chat id, phone number, e-mail address, …"),
    region: str = typer.Option(..., help="region code the group belongs to"),
    kind: str = typer.Option(
        "rt", help="rt, rw, pkk, majelis_taklim, karang_taruna, posyandu, other"
    ),
    title: str = typer.Option("", help="a human name for the group"),
    language: str = typer.Option("id", help="language of the group's messages (id, en)"),
    active: bool = typer.Option(False, "--active", help="approve at once (needs approval rights)"),
    acting: str = AsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Add a group (pending until approved, unless --active)."""

    async def go(app: App) -> Group:
        return await app.directory.add_group(
            acting,
            account,
            address,
            region,
            kind,
            title,
            language,
            GroupStatus.active if active else GroupStatus.pending,
        )

    emit_one(_group_row(with_app(config, go)), as_json)


@groups.command("list")
def groups_list(
    region: str | None = typer.Option(None, help="only groups in this region's subtree"),
    kind: list[str] = typer.Option([], help="only these kinds (repeatable)"),
    channel: list[str] = typer.Option([], help="only these channels (repeatable)"),
    status: list[GroupStatus] = typer.Option([], help="only these statuses (repeatable)"),
    level: list[Level] = typer.Option([], help="only groups attached at these levels"),
    limit: int = typer.Option(
        100, min=1, help="at most this many rows (the output says how many were left out)"
    ),
    every: bool = typer.Option(False, "--all", help="every matching group, no limit"),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """List groups, filtered by region subtree, kind, channel, status and level.

    Shows at most --limit rows (default 100); the table's title and a closing line, or the
    JSON object's "left_out", say how many matching groups were not shown. --all shows all."""
    where = GroupFilter(
        region=region,
        levels=tuple(level),
        kinds=tuple(kind),
        channels=tuple(channel),
        statuses=tuple(status),
    )
    cap = None if every else limit

    async def go(app: App) -> tuple[list[dict[str, Any]], int]:
        rows: list[dict[str, Any]] = []
        batch = 1000 if cap is None else min(cap, 1000)
        async for group in app.store.iter_groups(where, batch=batch):
            rows.append(_group_row(group))
            if cap is not None and len(rows) >= cap:
                break
        total = (await app.store.count_groups(where))["total"]
        return rows, total

    rows, total = with_app(config, go)
    left_out = max(0, total - len(rows))
    if as_json:
        emit_one(
            {
                "total": total,
                "shown": len(rows),
                "left_out": left_out,
                "limit": cap,
                "groups": rows,
            },
            as_json=True,
        )
        return
    columns = ["id", "channel", "account", "address", "region", "kind", "status", "title"]
    emit(rows, columns, False, title=f"{len(rows)} of {total} groups", keep=_KEEP)
    if left_out:
        console.print(
            f"{left_out} more groups not shown: raise --limit (now {cap}) or use --all",
            highlight=False,
        )


#: what an operator copies from a table: never shortened (``@g.us`` ids are long)
_KEEP = ("id", "group_id", "account", "address", "region")


@groups.command("discover")
def groups_discover(
    account: str = typer.Option(..., help="the gateway account to ask (e.g. a WAHA number)"),
    acting: str = AsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """List the groups the account's number is already in, and which are mapped to a region.
    Map the others with `groups add --account A --address ID --region CODE --kind K`."""

    async def go(app: App) -> list[dict[str, Any]]:
        user = await app.directory.actor(acting)
        require(user, Perm.groups_add)
        adapter = app.adapters.get(account)
        if adapter is None:
            raise NotFound(f"no enabled account {account!r}; accounts: {sorted(app.adapters)}")
        async with adapter:
            found = await adapter.discover_groups()
        rows = []
        for item in found:
            group = await app.store.find_group(adapter.channel, account, item.address)
            rows.append(
                {
                    "address": item.address,
                    "title": item.title,
                    "participants": item.participants,
                    "group_id": group.id if group else None,
                    "region": group.region if group else None,
                    "kind": group.kind if group else None,
                    "status": group.status.value if group else "unmapped",
                }
            )
        return rows

    rows = with_app(config, go)
    columns = ["address", "title", "participants", "status", "region", "kind", "group_id"]
    unmapped = sum(1 for r in rows if r["status"] == "unmapped")
    title = f"{len(rows)} groups on {account}, {unmapped} unmapped"
    emit(rows, columns, as_json, title=title, keep=_KEEP)


def _status_command(name: str, status: GroupStatus, doc: str) -> None:
    def command(
        group_id: int = typer.Argument(..., help="group id"),
        acting: str = AsOption,
        config: Path | None = ConfigOption,
        as_json: bool = JsonOption,
    ) -> None:
        async def go(app: App) -> Group:
            return await app.directory.set_group_status(acting, group_id, status)

        emit_one(_group_row(with_app(config, go)), as_json)

    command.__doc__ = doc
    groups.command(name)(command)


_status_command("approve", GroupStatus.active, "Approve a pending group (it starts receiving).")
_status_command("pause", GroupStatus.paused, "Pause a group (it receives nothing until resumed).")
_status_command("resume", GroupStatus.active, "Resume a paused group.")
_status_command("remove", GroupStatus.removed, "Remove a group for good.")


@groups.command("move")
def groups_move(
    group_id: int = typer.Argument(..., help="group id"),
    region: str = typer.Option(..., help="the new region code"),
    acting: str = AsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Move a group to another region (both must lie in your scope)."""

    async def go(app: App) -> Group:
        return await app.directory.move_group(acting, group_id, region)

    emit_one(_group_row(with_app(config, go)), as_json)


def _user_row(u: User) -> dict[str, Any]:
    return {"name": u.name, "role": u.role.value, "scope": u.scope or "(all)", "active": u.active}


@users.command("add")
def users_add(
    name: str = typer.Argument(..., help="login name"),
    role: Role = typer.Option(..., help="admin, officer, verifier or group_admin"),
    scope: str | None = typer.Option(None, help="region code the user may act in (admins: any)"),
    acting: str | None = typer.Option(
        None, "--as", help="acting admin (omit only to create the very first admin)"
    ),
    valid_until: str | None = ValidUntilOption,
    email: str | None = EmailOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Add a user. The first user must be an admin and is created without --as."""

    async def go(app: App) -> User:
        user = await app.directory.add_user(acting, name, role, scope)
        await validity(app, acting or name, name, valid_until, email)
        return user

    emit_one(_user_row(with_app(config, go)), as_json)


@users.command("list")
def users_list(config: Path | None = ConfigOption, as_json: bool = JsonOption) -> None:
    """List users."""

    async def go(app: App) -> list[User]:
        return await app.store.list_users()

    emit([_user_row(u) for u in with_app(config, go)], ["name", "role", "scope", "active"], as_json)


@users.command("update")
def users_update(
    name: str = typer.Argument(...),
    role: Role | None = typer.Option(None),
    scope: str | None = typer.Option(None),
    active: bool | None = typer.Option(None, "--active/--inactive"),
    valid_until: str | None = ValidUntilOption,
    email: str | None = EmailOption,
    acting: str = AsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Change a user's role, scope, active flag, end date or e-mail address."""

    async def go(app: App) -> User:
        await validity(app, acting, name, valid_until, email)
        if role is None and scope is None and active is None:
            return await app.store.get_user(name)
        return await app.directory.update_user(acting, name, role, scope, active)

    emit_one(_user_row(with_app(config, go)), as_json)


__all__ = ["console", "groups", "regions", "users"]
