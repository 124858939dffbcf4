"""Issue 11.1: the audit log, the user list and the region tree's group counts follow the
reader's scope (a group admin of one village read all of them)."""

from __future__ import annotations

import re
from typing import Any

from broadcaster.store.records import GroupStatus, Role
from broadcaster.web.accounts import create_token
from tests.web.conftest import Web

LEBAK_RT = "3602010001.RW001.RT001"
TAJUR_RT = "3671010001.RW001.RT001"  # rt_admin's village


async def scene(web: Web) -> dict[str, Any]:
    """Activity in Lebak (3602) and in Tajur (3671010001), logins, user changes."""
    rig = web.rig
    directory = rig.app.directory
    lebak = await rig.approved(regions=("3602",))
    tajur = await rig.approved(regions=("3671010001",))
    lebak_group = await directory.add_group(
        "officer", "scripted", "lebak-rt1", LEBAK_RT, "rt", status=GroupStatus.active
    )
    tajur_group = await directory.add_group(
        "officer", "scripted", "tajur-rt1", TAJUR_RT, "rt", status=GroupStatus.active
    )
    await directory.add_user("admin", "tangerang_admin", Role.admin, "3671")
    await directory.update_user("admin", "serang_verifier", active=False)
    await web.login("officer")  # a login entry with a client address
    return {"lebak": lebak, "tajur": tajur, "lebak_group": lebak_group, "tajur_group": tajur_group}


def objects(entries: list[dict[str, Any]]) -> set[str]:
    return {f"{e['object_type']}:{e['object_id']}" for e in entries}


async def audit_of(web: Web, name: str) -> list[dict[str, Any]]:
    async with web.client(name) as api:
        r = await api.get("/api/v1/audit", params={"limit": 1000})
        assert r.status_code == 200, r.text
        return list(r.json())


async def test_a_village_group_admin_reads_only_their_village(web: Web) -> None:
    s = await scene(web)
    everything = objects(await audit_of(web, "admin"))
    assert f"announcement:{s['lebak'].id}" in everything and "user:tangerang_admin" in everything

    seen = await audit_of(web, "rt_admin")
    mine = objects(seen)
    assert f"announcement:{s['tajur'].id}" in mine and f"group:{s['tajur_group'].id}" in mine
    assert f"announcement:{s['lebak'].id}" not in mine
    assert f"group:{s['lebak_group'].id}" not in mine
    assert not [e for e in seen if e["object_type"] in ("user", "api_token", "regions")]
    assert not [e for e in seen if e["action"].startswith("login")]
    assert "address" not in " ".join(e["detail"] for e in seen)

    # the dashboard's audit page shows the same
    client, _ = await web.login("rt_admin")
    page = (await client.get("/audit")).text
    rows = set(re.findall(r"<td>([a-z_]+:[^<]*)</td>", page))
    assert f"announcement:{s['tajur'].id}" in rows
    assert f"announcement:{s['lebak'].id}" not in rows
    assert "login.failed" not in page and "user:officer" not in rows


async def test_a_regency_admin_sees_the_users_of_their_regency(web: Web) -> None:
    await scene(web)
    token, _ = await create_token(web.rig.app.store, "admin", "tangerang_admin", "test")
    async with web.client() as api:
        api.headers["Authorization"] = f"Bearer {token}"
        users = {u["name"] for u in (await api.get("/api/v1/users")).json()}
        assert users == {"rt_admin", "tangerang_admin"}
        entries = (await api.get("/api/v1/audit", params={"limit": 1000})).json()
    users_in_log = {e["object_id"] for e in entries if e["object_type"] == "user"}
    assert users_in_log and users_in_log <= {"rt_admin", "tangerang_admin"}
    assert not [e for e in entries if e["action"] == "login" and e["object_id"] == "officer"]
    assert not [e for e in entries if e["object_type"] == "regions"]


async def test_region_tree_counts_only_groups_in_scope(web: Web) -> None:
    await scene(web)
    async with web.client("rt_admin") as api:
        tree = (await api.get("/api/v1/regions/tree", params={"under": "36"})).json()
    counts = {c["code"]: c["groups"] for c in tree["children"]}
    assert counts["3602"] == 0 and counts["3673"] == 0  # other regencies' groups are hidden
    assert counts["3671"] == 1  # only the group in rt_admin's village
    async with web.client("admin") as api:
        full = (await api.get("/api/v1/regions/tree", params={"under": "36"})).json()
    assert {c["code"]: c["groups"] for c in full["children"]}["3602"] == 1
