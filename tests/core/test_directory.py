"""Users and groups: bootstrap, authorisation by role and scope, status transitions, audit."""

from __future__ import annotations

import json

import pytest

from adapters.file import FileAdapter
from adapters.scripted import ScriptedAdapter
from broadcaster.directory import Directory
from broadcaster.errors import Conflict, InputError, NotFound, PermissionDenied
from broadcaster.store.contract import Store
from broadcaster.store.records import AuditEntry, GroupStatus, Role
from content.model import GROUP_KINDS
from tests.seed import seed_regions, seed_users

ACCOUNTS = {"scripted": ScriptedAdapter, "outbox": FileAdapter}
RT = "3671010001.RW001.RT001"  # in rt_admin's village (3671010001, Kota Tangerang)


@pytest.fixture
async def bare(store: Store) -> Directory:
    """Regions but no users yet."""
    await seed_regions(store)
    return Directory(store, ACCOUNTS)


@pytest.fixture
async def directory(bare: Directory) -> Directory:
    await seed_users(bare.store)
    return bare


async def last_audit(store: Store) -> AuditEntry:
    return (await store.list_audit(1))[0]


async def audit_count(store: Store) -> int:
    return len(await store.list_audit(10_000))


# -- users -----------------------------------------------------------------------------------
async def test_the_first_user_is_an_admin_created_without_an_actor(bare: Directory) -> None:
    with pytest.raises(InputError, match="first user must be an admin"):
        await bare.add_user(None, "petugas", Role.officer, "36")
    root = await bare.add_user(None, "root", Role.admin, None)
    assert root.role is Role.admin and root.scope is None and root.active
    entry = await last_audit(bare.store)
    assert (entry.actor, entry.action, entry.object_id) == ("bootstrap", "user.add", "root")

    with pytest.raises(PermissionDenied, match="--as"):
        await bare.add_user(None, "root2", Role.admin, None)
    officer = await bare.add_user("root", "petugas", Role.officer, "36")
    assert officer.scope == "36"
    entry = await last_audit(bare.store)
    assert (entry.actor, entry.action, entry.object_id) == ("root", "user.add", "petugas")
    assert '"role":"officer"' in entry.detail and '"scope":"36"' in entry.detail


async def test_an_unknown_actor_is_told_how_to_get_an_account(directory: Directory) -> None:
    with pytest.raises(NotFound, match="broadcaster users add budi"):
        await directory.add_user("budi", "x", Role.officer, "36")


@pytest.mark.parametrize("acting", ["officer", "verifier", "serang_officer", "rt_admin"])
async def test_only_admins_add_users(directory: Directory, acting: str) -> None:
    before = await audit_count(directory.store)
    with pytest.raises(PermissionDenied, match=r"users\.manage needs one of: admin"):
        await directory.add_user(acting, "baru", Role.verifier, "3673")
    assert await audit_count(directory.store) == before
    with pytest.raises(NotFound):
        await directory.store.get_user("baru")


@pytest.mark.parametrize("role", [Role.officer, Role.verifier, Role.group_admin])
async def test_non_admin_roles_need_a_scope(directory: Directory, role: Role) -> None:
    with pytest.raises(InputError, match="needs a region scope"):
        await directory.add_user("admin", "baru", role, None)


@pytest.mark.parametrize(
    ("name", "scope", "error", "match"),
    [
        ("baru", "36x", InputError, "malformed region code"),
        ("baru", "3699", NotFound, "3699 does not exist"),
        ("officer", "36", Conflict, "already exists"),
        ("dua kata", "36", InputError, "user name"),
        ("", "36", InputError, "user name"),
        ("system", "36", InputError, "reserved"),
        ("bootstrap", "36", InputError, "reserved"),
    ],
)
async def test_bad_user_input(
    directory: Directory, name: str, scope: str, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        await directory.add_user("admin", name, Role.officer, scope)


async def test_a_scoped_admin_manages_only_users_in_its_scope(directory: Directory) -> None:
    await directory.add_user("admin", "banten_admin", Role.admin, "36")
    made = await directory.add_user("banten_admin", "lebak_officer", Role.officer, "3602")
    assert made.scope == "3602"
    with pytest.raises(PermissionDenied, match="scoped to region 36"):
        await directory.add_user("banten_admin", "jakarta_officer", Role.officer, "31")
    with pytest.raises(PermissionDenied, match="installation-wide"):
        await directory.add_user("banten_admin", "super", Role.admin, None)
    with pytest.raises(PermissionDenied, match="installation-wide"):
        await directory.update_user("banten_admin", "admin", active=False)
    with pytest.raises(PermissionDenied, match="31"):
        await directory.update_user("banten_admin", "lebak_officer", scope="31")
    assert (await directory.store.get_user("admin")).active


async def test_update_user_keeps_the_rules(directory: Directory) -> None:
    with pytest.raises(InputError, match="needs a region scope"):
        await directory.update_user("admin", "admin", role=Role.officer)
    with pytest.raises(Conflict, match="last active installation-wide admin"):
        await directory.update_user("admin", "admin", active=False)
    with pytest.raises(NotFound, match="3699"):
        await directory.update_user("admin", "officer", scope="3699")
    with pytest.raises(PermissionDenied):
        await directory.update_user("officer", "verifier", active=False)

    moved = await directory.update_user("admin", "officer", scope="3602")
    assert moved.scope == "3602"
    entry = await last_audit(directory.store)
    assert (entry.actor, entry.action, entry.object_id) == ("admin", "user.update", "officer")

    await directory.add_user("admin", "admin2", Role.admin, None)
    off = await directory.update_user("admin2", "admin", active=False)
    assert not off.active


async def test_user_update_audit_records_only_what_changed(directory: Directory) -> None:
    """Issue 11.9: deactivating a user must not record ``"scope": null`` ("scope cleared")."""
    await directory.update_user("admin", "officer", active=False)
    detail = json.loads((await last_audit(directory.store)).detail)
    assert detail == {"active": {"from": True, "to": False}}

    await directory.update_user("admin", "officer", role=Role.officer, scope="3602")
    detail = json.loads((await last_audit(directory.store)).detail)
    assert detail == {"scope": {"from": "36", "to": "3602"}}


# -- groups: add -----------------------------------------------------------------------------
async def test_add_group_normalises_the_address_and_audits(directory: Directory) -> None:
    group = await directory.add_group("rt_admin", "outbox", "  rt-001  ", RT, "rt", title="RT 1")
    assert group.address == "rt-001"
    assert group.channel == "file" and group.account == "outbox"
    assert group.status is GroupStatus.pending
    assert group.subscribed_by == "rt_admin" and group.approved_by is None
    entry = await last_audit(directory.store)
    assert (entry.actor, entry.action, entry.object_type, entry.object_id) == (
        "rt_admin",
        "group.add",
        "group",
        str(group.id),
    )


@pytest.mark.parametrize(
    ("account", "address", "region", "kind", "error", "match"),
    [
        ("outbox", "rt 001", RT, "rt", InputError, "without spaces"),
        ("outbox", "   ", RT, "rt", InputError, "non-empty"),
        ("scripted", "", RT, "rt", InputError, "empty"),
        ("telegram", "-100123", RT, "rt", NotFound, "known accounts: outbox, scripted"),
        ("outbox", "a", RT, "arisan", InputError, "unknown group kind 'arisan'"),
        ("outbox", "a", "3671010001.RW009", "rw", NotFound, "does not exist"),
        ("outbox", "a", "3671-010", "rw", InputError, "malformed region code"),
    ],
)
async def test_add_group_rejects_bad_input(
    directory: Directory,
    account: str,
    address: str,
    region: str,
    kind: str,
    error: type[Exception],
    match: str,
) -> None:
    before = await audit_count(directory.store)
    with pytest.raises(error, match=match):
        await directory.add_group("officer", account, address, region, kind)
    assert await audit_count(directory.store) == before


async def test_unknown_kind_error_lists_every_kind(directory: Directory) -> None:
    with pytest.raises(InputError) as caught:
        await directory.add_group("officer", "outbox", "a", RT, "arisan")
    assert all(kind in str(caught.value) for kind in GROUP_KINDS)


async def test_add_group_rejects_an_unknown_language(directory: Directory) -> None:
    with pytest.raises(InputError, match="language"):
        await directory.add_group("officer", "outbox", "a", RT, "rt", language="indonesian")


async def test_one_group_per_address(directory: Directory) -> None:
    await directory.add_group("officer", "outbox", "rt-001", RT, "rt")
    with pytest.raises(Conflict, match="already exists"):
        await directory.add_group("officer", "outbox", " rt-001", "3671010001", "pkk")
    other = await directory.add_group("officer", "scripted", "rt-001", RT, "rt")
    assert other.account == "scripted"


async def test_add_group_checks_role_and_scope(directory: Directory) -> None:
    with pytest.raises(PermissionDenied, match="scoped to region 3671010001"):
        await directory.add_group("rt_admin", "outbox", "x", "3671010002", "rt")
    with pytest.raises(PermissionDenied, match=r"groups\.add needs one of"):
        await directory.add_group("verifier", "outbox", "x", RT, "rt")
    with pytest.raises(PermissionDenied, match=r"groups\.approve"):
        await directory.add_group("rt_admin", "outbox", "x", RT, "rt", status=GroupStatus.active)
    with pytest.raises(InputError, match="pending or active"):
        await directory.add_group("officer", "outbox", "x", RT, "rt", status=GroupStatus.paused)
    active = await directory.add_group(
        "officer", "outbox", "x", RT, "rt", status=GroupStatus.active
    )
    assert active.status is GroupStatus.active and active.approved_by == "officer"
    actions = [e.action for e in await directory.store.list_audit(2, "group", str(active.id))]
    assert actions == ["group.approve", "group.add"]


# -- groups: status ----------------------------------------------------------------------------
async def test_approve_needs_the_approve_permission_in_scope(directory: Directory) -> None:
    group = await directory.add_group("rt_admin", "outbox", "rt-001", RT, "rt")
    with pytest.raises(PermissionDenied, match=r"groups\.approve needs one of"):
        await directory.set_group_status("rt_admin", group.id, GroupStatus.active)
    with pytest.raises(PermissionDenied, match="scoped to region 3673"):
        await directory.set_group_status("serang_verifier", group.id, GroupStatus.active)
    assert (await directory.store.get_group(group.id)).status is GroupStatus.pending

    approved = await directory.set_group_status("verifier", group.id, GroupStatus.active)
    assert approved.status is GroupStatus.active
    assert approved.approved_by == "verifier"
    entry = await last_audit(directory.store)
    assert (entry.actor, entry.action, entry.object_id) == (
        "verifier",
        "group.approve",
        str(group.id),
    )


async def test_pause_resume_remove(directory: Directory) -> None:
    group = await directory.add_group("officer", "outbox", "rt-001", RT, "rt")
    await directory.set_group_status("officer", group.id, GroupStatus.active)
    steps = [
        ("rt_admin", GroupStatus.paused, "group.pause"),
        ("rt_admin", GroupStatus.active, "group.resume"),
        ("rt_admin", GroupStatus.paused, "group.pause"),
        ("officer", GroupStatus.removed, "group.remove"),
    ]
    for acting, status, action in steps:
        changed = await directory.set_group_status(acting, group.id, status)
        assert changed.status is status
        assert changed.approved_by == "officer"
        entry = await last_audit(directory.store)
        assert (entry.actor, entry.action, entry.object_id) == (acting, action, str(group.id))


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ([], GroupStatus.pending),
        ([], GroupStatus.paused),  # pausing and resuming would skip the approval
        ([GroupStatus.active], GroupStatus.active),
        ([GroupStatus.active], GroupStatus.pending),
        ([GroupStatus.active, GroupStatus.paused], GroupStatus.paused),
        ([GroupStatus.active, GroupStatus.paused], GroupStatus.pending),
        ([GroupStatus.removed], GroupStatus.active),
        ([GroupStatus.removed], GroupStatus.paused),
        ([GroupStatus.removed], GroupStatus.removed),
        ([GroupStatus.removed], GroupStatus.pending),
    ],
)
async def test_illegal_transitions_conflict(
    directory: Directory, path: list[GroupStatus], illegal: GroupStatus
) -> None:
    group = await directory.add_group("officer", "outbox", "rt-001", RT, "rt")
    for status in path:
        await directory.set_group_status("admin", group.id, status)
    before = await directory.store.get_group(group.id)
    entries = await audit_count(directory.store)
    with pytest.raises(Conflict, match=f"cannot become {illegal.value}"):
        await directory.set_group_status("admin", group.id, illegal)
    assert (await directory.store.get_group(group.id)).status is before.status
    assert await audit_count(directory.store) == entries


async def test_a_group_admin_cannot_activate_a_pending_group_by_pausing_it(
    directory: Directory,
) -> None:
    group = await directory.add_group("rt_admin", "outbox", "rt-001", RT, "rt")
    with pytest.raises((Conflict, PermissionDenied)):
        await directory.set_group_status("rt_admin", group.id, GroupStatus.paused)
    with pytest.raises((Conflict, PermissionDenied)):
        await directory.set_group_status("rt_admin", group.id, GroupStatus.active)
    assert (await directory.store.get_group(group.id)).status is GroupStatus.pending


async def test_status_changes_check_scope(directory: Directory) -> None:
    group = await directory.add_group("officer", "outbox", "x", "3602010001", "rt")
    await directory.set_group_status("officer", group.id, GroupStatus.active)
    for acting in ("serang_officer", "rt_admin"):
        with pytest.raises(PermissionDenied, match="scoped to region"):
            await directory.set_group_status(acting, group.id, GroupStatus.paused)
    with pytest.raises(PermissionDenied, match=r"groups\.manage needs one of"):
        await directory.set_group_status("verifier", group.id, GroupStatus.paused)
    assert (await directory.store.get_group(group.id)).status is GroupStatus.active


# -- groups: move ----------------------------------------------------------------------------
async def test_move_needs_both_regions_in_scope(directory: Directory) -> None:
    serang = await directory.add_group("officer", "outbox", "s", "3673010001", "pkk")
    tangerang = await directory.add_group("officer", "outbox", "t", RT, "rt")

    with pytest.raises(PermissionDenied, match="3602010001"):
        await directory.move_group("serang_officer", serang.id, "3602010001")
    with pytest.raises(PermissionDenied, match=RT.replace(".", r"\.")):
        await directory.move_group("serang_officer", tangerang.id, "3673010001")
    with pytest.raises(PermissionDenied, match="3673010001"):
        await directory.move_group("rt_admin", tangerang.id, "3673010001")
    with pytest.raises(InputError, match="malformed"):
        await directory.move_group("officer", serang.id, "3673-01")
    with pytest.raises(NotFound):
        await directory.move_group("officer", serang.id, "3673010009")
    assert (await directory.store.get_group(serang.id)).region == "3673010001"

    moved = await directory.move_group("rt_admin", tangerang.id, "3671010001.RW002.RT003")
    assert moved.region == "3671010001.RW002.RT003"
    assert moved.region_level.value == "rt"
    entry = await last_audit(directory.store)
    assert (entry.actor, entry.action, entry.object_id) == ("rt_admin", "group.move", str(moved.id))
    assert RT in entry.detail and "3671010001.RW002.RT003" in entry.detail

    village = await directory.move_group("serang_officer", serang.id, "3673010001.RW001")
    assert village.region_level.value == "rw"
