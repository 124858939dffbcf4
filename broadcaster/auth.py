"""Who may do what, where. Every action checks the role AND the region scope.

A user's scope is a region code (``None`` for installation-wide admins); an action on regions
``R`` is allowed only when every code in ``R`` lies within the scope. So an officer scoped to Kota
Serang (3673) cannot target Lebak (3602), and a verifier scoped to one regency cannot approve a
province-wide (``36``) announcement.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from .errors import PermissionDenied
from .regions import is_within
from .store.records import Role, User

SYSTEM = "system"  # actor name for actions the service takes on its own


class Perm(StrEnum):
    regions_import = "regions.import"
    users_manage = "users.manage"
    groups_add = "groups.add"
    groups_approve = "groups.approve"
    groups_manage = "groups.manage"  # pause, resume, remove, move
    announcements_write = "announcements.write"  # create, edit, submit, schedule, cancel
    announcements_verify = "announcements.verify"  # approve, reject
    replies_moderate = "replies.moderate"  # mark residents' replies handled / hidden / hoax
    hoaxes_rule = "hoaxes.rule"  # propose, confirm, reject hoax verdicts (hoax desk)
    read = "read"  # lists, dispatch progress, audit


_ROLES: dict[Perm, frozenset[Role]] = {
    Perm.regions_import: frozenset({Role.admin}),
    Perm.users_manage: frozenset({Role.admin}),
    Perm.groups_add: frozenset({Role.admin, Role.officer, Role.group_admin}),
    Perm.groups_approve: frozenset({Role.admin, Role.officer, Role.verifier}),
    Perm.groups_manage: frozenset({Role.admin, Role.officer, Role.group_admin}),
    Perm.announcements_write: frozenset({Role.admin, Role.officer}),
    Perm.announcements_verify: frozenset({Role.admin, Role.verifier}),
    Perm.replies_moderate: frozenset({Role.admin, Role.officer, Role.verifier}),
    Perm.hoaxes_rule: frozenset({Role.admin, Role.verifier}),
    Perm.read: frozenset(Role),
}


def allowed(user: User, perm: Perm, regions: Iterable[str] = ()) -> bool:
    """True when ``user`` holds ``perm`` for every region in ``regions``."""
    if not user.active or user.role not in _ROLES[perm]:
        return False
    if user.scope is None:
        return True
    return all(is_within(code, user.scope) for code in regions)


def require(user: User, perm: Perm, regions: Iterable[str] = ()) -> None:
    """Raise PermissionDenied with a message that says which rule failed."""
    codes = list(regions)
    if not user.active:
        raise PermissionDenied(f"user {user.name!r} is deactivated")
    if user.role not in _ROLES[perm]:
        roles = ", ".join(sorted(r.value for r in _ROLES[perm]))
        raise PermissionDenied(
            f"{user.name!r} is {user.role.value}; {perm.value} needs one of: {roles}"
        )
    if user.scope is not None:
        outside = [c for c in codes if not is_within(c, user.scope)]
        if outside:
            raise PermissionDenied(
                f"{user.name!r} is scoped to region {user.scope}; "
                f"{', '.join(outside)} lies outside it"
            )
