"""The WAHA emulator's groups API and group events (issue 13: groups subscribe themselves).

As WAHA 2025 serves them:

* ``GET /api/{session}/groups/{id}`` → the group's info ``{id, subject, participants}``;
* ``GET /api/{session}/groups/{id}/participants/v2`` → ``[{id, pn, role}]`` with ``role`` one
  of ``participant``, ``admin``, ``superadmin`` (404 when the number is not in the group);
* ``group.v2.join`` ``{timestamp, group: GroupInfo}`` when the number is added to a group,
  ``group.v2.leave`` ``{timestamp, group: {id}}`` when it is removed, and
  ``group.v2.participants`` ``{group: {id}, type: promote|demote, timestamp, participants}``
  when a member's role changes.

Admin API: ``POST /_sandbox/groups/{id}/number {action: add|remove}`` (someone adds the
number to the group, or removes it), ``POST /_sandbox/groups/{id}/role {member, role}``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from .server import Group, WahaSandbox

ROLES = ("participant", "admin", "superadmin")


def participants(group: Group) -> list[dict[str, str]]:
    return [{"id": m, "pn": m, "role": group.roles.get(m, "participant")} for m in group.members]


def group_info(group: Group) -> dict[str, Any]:
    return {"id": group.id, "subject": group.name, "participants": participants(group)}


def add_number(sandbox: WahaSandbox, group: Group) -> None:
    """Someone added the number to the group: WAHA posts ``group.v2.join``."""
    me = sandbox.me + "@c.us"
    if me not in group.members:
        group.members.insert(0, me)
        group.roles[me] = "participant"
    sandbox._emit("group.v2.join", {"timestamp": int(time.time()), "group": group_info(group)})


def remove_number(sandbox: WahaSandbox, group: Group) -> None:
    """Someone removed the number from the group: WAHA posts ``group.v2.leave``."""
    me = sandbox.me + "@c.us"
    if me in group.members:
        group.members.remove(me)
    sandbox._emit("group.v2.leave", {"timestamp": int(time.time()), "group": {"id": group.id}})


def set_role(sandbox: WahaSandbox, group: Group, member: str, role: str) -> None:
    if member not in group.members:
        raise ValueError(f"{member} is not a member of {group.id}")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    before = group.roles.get(member, "participant")
    group.roles[member] = role
    kind = "promote" if ROLES.index(role) > ROLES.index(before) else "demote"
    sandbox._emit(
        "group.v2.participants",
        {
            "group": {"id": group.id},
            "type": kind,
            "timestamp": int(time.time()),
            "participants": [{"id": member, "pn": member, "role": role}],
        },
    )


def add_group_routes(sandbox: WahaSandbox, app: web.Application) -> None:
    from .server import Unknown, _err

    def find(request: web.Request, api: bool) -> Group | web.Response:
        if api and request.match_info["session"] != sandbox.session:
            return _err(404, "Session not found")
        group = sandbox.groups.get(request.match_info["id"])
        if api and (group is None or sandbox.me + "@c.us" not in group.members):
            return _err(404, f"Group not found: {request.match_info['id']}")
        if group is None:
            raise Unknown(f"no group {request.match_info['id']}")
        return group

    async def info(request: web.Request) -> web.Response:
        group = find(request, api=True)
        if isinstance(group, web.Response):
            return group
        return web.json_response(group_info(group))

    async def members(request: web.Request) -> web.Response:
        group = find(request, api=True)
        if isinstance(group, web.Response):
            return group
        return web.json_response(participants(group))

    async def number(request: web.Request) -> web.Response:
        group = find(request, api=False)
        assert not isinstance(group, web.Response)
        action = str((await request.json())["action"])
        if action not in ("add", "remove"):
            raise ValueError("action must be add or remove")
        (add_number if action == "add" else remove_number)(sandbox, group)
        return web.json_response({"id": group.id, "members": group.members})

    async def role(request: web.Request) -> web.Response:
        group = find(request, api=False)
        assert not isinstance(group, web.Response)
        data = await request.json()
        set_role(sandbox, group, str(data["member"]), str(data["role"]))
        return web.json_response({"id": group.id, "roles": group.roles})

    app.router.add_get("/api/{session}/groups/{id}", info)
    app.router.add_get("/api/{session}/groups/{id}/participants/v2", members)
    app.router.add_post("/_sandbox/groups/{id}/number", number)
    app.router.add_post("/_sandbox/groups/{id}/role", role)
