"""Authorisation: the role × permission matrix and the region scope, through the real workflow."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from broadcaster.announcements import Workflow
from broadcaster.auth import Perm, allowed, require
from broadcaster.directory import Directory
from broadcaster.errors import ContentInvalid, PermissionDenied
from broadcaster.store.contract import Store
from broadcaster.store.records import Role, User
from content.workflow import Status
from schedules.spec import ScheduleSpec
from tests.core.test_workflow import make_content
from tests.seed import seed_regions, seed_users

# Written out independently of broadcaster.auth: who may do what (DESIGN §1, issue 2).
EXPECTED: dict[Perm, set[Role]] = {
    Perm.regions_import: {Role.admin},
    Perm.users_manage: {Role.admin},
    Perm.groups_add: {Role.admin, Role.officer, Role.group_admin},
    Perm.groups_approve: {Role.admin, Role.officer, Role.verifier},
    Perm.groups_manage: {Role.admin, Role.officer, Role.group_admin},
    Perm.announcements_write: {Role.admin, Role.officer},
    Perm.announcements_verify: {Role.admin, Role.verifier},
    Perm.replies_moderate: {Role.admin, Role.officer, Role.verifier},
    Perm.hoaxes_rule: {Role.admin, Role.verifier},  # hoax verdicts (issue 14)
    Perm.read: {Role.admin, Role.officer, Role.verifier, Role.group_admin},
}


def user(role: Role, scope: str | None = None, active: bool = True, name: str = "u") -> User:
    return User(
        id=1, name=name, role=role, scope=scope, active=active, created_at=datetime.now(UTC)
    )


def test_the_expected_matrix_covers_every_permission() -> None:
    assert set(EXPECTED) == set(Perm)


@pytest.mark.parametrize(("perm", "role"), list(itertools.product(Perm, Role)))
def test_role_permission_matrix(perm: Perm, role: Role) -> None:
    subject = user(role)
    expected = role in EXPECTED[perm]
    assert allowed(subject, perm) is expected
    if expected:
        require(subject, perm)
    else:
        with pytest.raises(PermissionDenied) as caught:
            require(subject, perm)
        message = str(caught.value)
        assert perm.value in message and role.value in message
        for needed in EXPECTED[perm]:
            assert needed.value in message


@pytest.mark.parametrize(("perm", "role"), list(itertools.product(Perm, Role)))
def test_a_deactivated_user_can_do_nothing(perm: Perm, role: Role) -> None:
    subject = user(role, active=False, name="pensiun")
    assert not allowed(subject, perm)
    with pytest.raises(PermissionDenied, match="'pensiun' is deactivated"):
        require(subject, perm)


@pytest.mark.parametrize(
    ("scope", "codes", "ok"),
    [
        ("3673", ["3673"], True),
        ("3673", ["3673010"], True),
        ("3673", ["3673010001", "3673010001.RW002.RT003"], True),
        ("3673", ["3602"], False),
        ("3673", ["36"], False),
        ("3673", ["3673", "3602"], False),
        ("3673", ["367"], False),
        ("3673", ["36731"], False),
        ("3671010001", ["3671010001.RW001"], True),
        ("3671010001", ["3671010002"], False),
        ("36", ["3602", "3673010001"], True),
        ("36", ["31"], False),
        (None, ["31", "36"], True),
    ],
)
def test_scope(scope: str | None, codes: list[str], ok: bool) -> None:
    subject = user(Role.officer if scope else Role.admin, scope, name="petugas")
    assert allowed(subject, Perm.announcements_write, codes) is ok
    if ok:
        require(subject, Perm.announcements_write, codes)
    else:
        with pytest.raises(PermissionDenied) as caught:
            require(subject, Perm.announcements_write, codes)
        message = str(caught.value)
        assert f"scoped to region {scope}" in message
        assert "lies outside it" in message


# -- through the workflow --------------------------------------------------------------------
@pytest.fixture
async def wf(store: Store) -> Workflow:
    await seed_regions(store)
    await seed_users(store)
    return Workflow(store)


@pytest.mark.parametrize("target", [["3602"], ["36"], ["3673", "3602010001"]])
async def test_a_serang_officer_cannot_target_outside_kota_serang(
    wf: Workflow, target: list[str]
) -> None:
    with pytest.raises(PermissionDenied) as caught:
        await wf.create("serang_officer", make_content(target))
    message = str(caught.value)
    assert "'serang_officer' is scoped to region 3673" in message
    assert all(code in message for code in target if not code.startswith("3673"))
    assert await wf.store.list_announcements() == []


@pytest.mark.parametrize(
    "target", [["3673"], ["3673010"], ["3673010001"], ["3673010001.RW001.RT002"]]
)
async def test_a_serang_officer_can_target_kota_serang_and_below(
    wf: Workflow, target: list[str]
) -> None:
    record = await wf.create("serang_officer", make_content(target))
    submitted = await wf.submit("serang_officer", record.id)
    assert submitted.status is Status.submitted
    result = await wf.approve("serang_verifier", record.id)
    assert result.status is Status.approved
    await wf.schedule("serang_officer", record.id, ScheduleSpec.now())


async def test_a_malformed_code_never_slips_past_the_scope(wf: Workflow) -> None:
    try:
        record = await wf.create("serang_officer", make_content(["36731"]))
    except PermissionDenied:
        return
    with pytest.raises(ContentInvalid, match="malformed"):
        await wf.submit("serang_officer", record.id)


async def test_a_serang_officer_cannot_touch_a_province_wide_announcement(wf: Workflow) -> None:
    record = await wf.create("officer", make_content(["36"]))
    for action in (
        wf.edit("serang_officer", record.id, make_content(["3673"])),
        wf.submit("serang_officer", record.id),
        wf.cancel("serang_officer", record.id),
    ):
        with pytest.raises(PermissionDenied, match="scoped to region 3673"):
            await action
    assert (await wf.store.get_announcement(record.id)).status is Status.draft


async def test_an_edit_cannot_widen_the_target_beyond_the_scope(wf: Workflow) -> None:
    record = await wf.create("serang_officer", make_content(["3673"]))
    with pytest.raises(PermissionDenied, match="3602"):
        await wf.edit("serang_officer", record.id, make_content(["3673", "3602"]))
    stored = await wf.store.get_announcement(record.id)
    assert stored.content.target.regions == ["3673"]


async def test_a_regency_verifier_cannot_approve_a_province_wide_announcement(
    wf: Workflow,
) -> None:
    record = await wf.create("officer", make_content(["36"]))
    await wf.submit("officer", record.id)
    with pytest.raises(PermissionDenied) as caught:
        await wf.approve("serang_verifier", record.id)
    assert "'serang_verifier' is scoped to region 3673; 36 lies outside it" in str(caught.value)
    with pytest.raises(PermissionDenied, match="scoped to region 3673"):
        await wf.reject("serang_verifier", record.id, "bukan wilayah saya")
    assert await wf.store.list_approvals(record.id) == []
    assert (await wf.store.get_announcement(record.id)).status is Status.submitted


@pytest.mark.parametrize(
    ("acting", "rule"),
    [
        ("officer", "announcements.verify needs one of: admin, verifier"),
        ("rt_admin", "announcements.verify needs one of: admin, verifier"),
    ],
)
async def test_roles_without_verify_cannot_approve(wf: Workflow, acting: str, rule: str) -> None:
    record = await wf.create("admin", make_content(["3671010001"]))
    await wf.submit("admin", record.id)
    with pytest.raises(PermissionDenied, match=rule):
        await wf.approve(acting, record.id)


@pytest.mark.parametrize("acting", ["verifier", "rt_admin"])
async def test_roles_without_write_cannot_create(wf: Workflow, acting: str) -> None:
    with pytest.raises(
        PermissionDenied, match=r"announcements\.write needs one of: admin, officer"
    ):
        await wf.create(acting, make_content(["3671010001"]))


async def test_a_deactivated_user_can_do_nothing_in_the_workflow(wf: Workflow) -> None:
    directory = Directory(wf.store, {})
    draft = await wf.create("officer", make_content())
    submitted = await wf.create("officer", make_content(title="Dua"))
    await wf.submit("officer", submitted.id)
    await directory.update_user("admin", "officer", active=False)
    await directory.update_user("admin", "verifier", active=False)

    for action in (
        wf.create("officer", make_content()),
        wf.edit("officer", draft.id, make_content(title="Baru")),
        wf.submit("officer", draft.id),
        wf.cancel("officer", draft.id),
        wf.approve("verifier", submitted.id),
        wf.reject("verifier", submitted.id, "alasan"),
    ):
        with pytest.raises(PermissionDenied, match="is deactivated"):
            await action
    assert (await wf.store.get_announcement(draft.id)).status is Status.draft
    assert (await wf.store.get_announcement(submitted.id)).status is Status.submitted

    await directory.update_user("admin", "verifier", active=True)
    assert (await wf.approve("verifier", submitted.id)).status is Status.approved
