"""Users and groups: the people who act and the audiences they reach."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from content.i18n import t
from content.languages import is_language_code
from content.levels import GROUP_KINDS

from .auth import SYSTEM, Perm, require
from .errors import Conflict, InputError, NotFound, PermissionDenied
from .expiry import ensure_current
from .regions import require_level
from .store.contract import Store
from .store.records import AuditRecord, Group, GroupStatus, NewGroup, Role, User

if TYPE_CHECKING:
    from .adapter import Adapter

BOOTSTRAP = "bootstrap"
#: actor names the service itself writes into the audit log; no person may take them
RESERVED_NAMES = frozenset({SYSTEM, BOOTSTRAP})


def user_changes(
    before: User, role: Role, scope: str | None, active: bool
) -> dict[str, dict[str, object]]:
    """What a user update changes, field by field as ``{"from": old, "to": new}``: an unchanged
    field is left out (a ``"scope": null`` would read as "scope cleared")."""
    pairs: dict[str, tuple[object, object]] = {
        "role": (before.role.value, role.value),
        "scope": (before.scope, scope),
        "active": (before.active, active),
    }
    return {key: {"from": old, "to": new} for key, (old, new) in pairs.items() if old != new}


def _require_scope_over(actor: User, scope: str | None, what: str) -> None:
    """``actor`` manages users: the region ``scope`` (None = installation-wide) must be theirs."""
    if scope is None:
        if actor.scope is not None:
            raise PermissionDenied(
                f"{actor.name!r} is scoped to region {actor.scope}; only an installation-wide "
                f"admin can manage {what} without a region scope"
            )
        require(actor, Perm.users_manage)
    else:
        require(actor, Perm.users_manage, [scope])


class Directory:
    """User and group management with authorisation and audit on every change.

    ``accounts`` maps each configured account name to its adapter class, which validates
    addresses and tells the channel.
    """

    def __init__(self, store: Store, accounts: Mapping[str, type[Adapter]]) -> None:
        self.store = store
        self.accounts = accounts

    async def actor(self, name: str) -> User:
        """The acting user; NotFound says how to create one."""
        try:
            user = await self.store.get_user(name)
        except NotFound:
            raise NotFound(
                f"user {name!r} does not exist; an admin creates it with "
                f"'broadcaster users add {name} --role ROLE --scope CODE'"
            ) from None
        return await ensure_current(self.store, user)  # an expired account acts nowhere

    # -- users -----------------------------------------------------------------------------
    async def add_user(self, acting: str | None, name: str, role: Role, scope: str | None) -> User:
        """Create a user. With no users yet, the first one must be an admin created without
        an acting user (bootstrap)."""
        if not name or not name.replace("_", "").replace(".", "").replace("-", "").isalnum():
            raise InputError(f"user name {name!r}: use letters, digits, '.', '_' or '-'")
        if name.lower() in RESERVED_NAMES:
            raise InputError(f"user name {name!r} is reserved for the service's own actions")
        if scope is not None:
            require_level(scope)
        if role is not Role.admin and scope is None:
            raise InputError(f"a {role.value} needs a region scope (--scope CODE)")
        existing = await self.store.list_users()
        if acting is None:
            if existing:
                raise PermissionDenied("name the acting admin with --as NAME")
            if role is not Role.admin:
                raise InputError("the first user must be an admin (--role admin)")
            actor = BOOTSTRAP
        else:
            user = await self.actor(acting)
            require(user, Perm.users_manage)
            _require_scope_over(user, scope, f"a user ({name!r})")
            actor = user.name
        return await self.store.add_user(
            name,
            role,
            scope,
            AuditRecord(
                actor=actor,
                action="user.add",
                object_type="user",
                object_id=name,
                detail={"role": role.value, "scope": scope},
            ),
        )

    async def update_user(
        self,
        acting: str,
        name: str,
        role: Role | None = None,
        scope: str | None = None,
        active: bool | None = None,
    ) -> User:
        """Change a user's role, scope (None = unchanged) or active flag.

        The acting admin's scope must cover the user both before and after the change; a
        non-admin always keeps a scope; the last active installation-wide admin cannot be
        deactivated, demoted or scoped (nobody could manage users any more).
        """
        user = await self.actor(acting)
        require(user, Perm.users_manage)
        if scope is not None:
            require_level(scope)
        target = await self.store.get_user(name)
        _require_scope_over(user, target.scope, f"user {name!r}")
        new_role = role if role is not None else target.role
        new_scope = scope if scope is not None else target.scope
        new_active = active if active is not None else target.active
        _require_scope_over(user, new_scope, f"user {name!r}")
        if new_role is not Role.admin and new_scope is None:
            raise InputError(f"a {new_role.value} needs a region scope (--scope CODE)")
        if scope is not None and not await self.store.get_regions([scope]):
            raise NotFound(f"scope region {scope} does not exist; import regions first")
        keeps_admin = new_role is Role.admin and new_scope is None and new_active
        if target.role is Role.admin and target.scope is None and target.active and not keeps_admin:
            others = [
                u
                for u in await self.store.list_users()
                if u.name != name and u.role is Role.admin and u.scope is None and u.active
            ]
            if not others:
                raise Conflict(
                    f"{name!r} is the last active installation-wide admin; add another admin "
                    "before deactivating, demoting or scoping this one"
                )
        detail = user_changes(target, new_role, new_scope, new_active)
        return await self.store.update_user(
            name,
            AuditRecord(
                actor=user.name,
                action="user.update",
                object_type="user",
                object_id=name,
                detail=detail,
            ),
            role=role,
            scope=scope,
            active=active,
        )

    # -- groups ----------------------------------------------------------------------------
    def adapter_for(self, account: str) -> type[Adapter]:
        try:
            return self.accounts[account]
        except KeyError:
            known = ", ".join(sorted(self.accounts)) or "(none configured)"
            raise NotFound(f"no account {account!r} in config; known accounts: {known}") from None

    async def add_group(
        self,
        acting: str,
        account: str,
        address: str,
        region: str,
        kind: str,
        title: str = "",
        language: str = "id",
        status: GroupStatus = GroupStatus.pending,
    ) -> Group:
        """Add a group (pending unless an approver adds it as active)."""
        user = await self.actor(acting)
        require_level(region)
        require(user, Perm.groups_add, [region])
        if kind not in GROUP_KINDS:
            raise InputError(f"unknown group kind {kind!r}; use one of: {', '.join(GROUP_KINDS)}")
        if not is_language_code(language):
            raise InputError(
                f"group language {language!r}: use a two-letter ISO 639-1 code such as 'id'"
            )
        if status not in (GroupStatus.pending, GroupStatus.active):
            raise InputError("a new group is pending or active")
        if status is GroupStatus.active:
            require(user, Perm.groups_approve, [region])
        adapter = self.adapter_for(account)
        normalized = adapter.normalize_address(address)
        group = await self.store.add_group(
            NewGroup(
                channel=adapter.channel,
                account=account,
                address=normalized,
                region=region,
                kind=kind,
                title=title,
                language=language,
                status=status,
                subscribed_by=user.name,
            ),
            AuditRecord(
                actor=user.name,
                action="group.add",
                object_type="group",
                object_id="",
                detail={"account": account, "region": region, "kind": kind, "status": status.value},
            ),
        )
        if status is GroupStatus.active:
            group = await self.store.update_group(
                group.id,
                AuditRecord(
                    actor=user.name,
                    action="group.approve",
                    object_type="group",
                    object_id=str(group.id),
                ),
                approved_by=user.name,
            )
        return group

    async def set_group_status(self, acting: str, group_id: int, status: GroupStatus) -> Group:
        """approve (pending→active), pause, resume (paused→active) or remove a group."""
        user = await self.actor(acting)
        group = await self.store.get_group(group_id)
        current = group.status
        allowed_from = {
            GroupStatus.active: {GroupStatus.pending, GroupStatus.paused},
            # only an active group pauses: pausing a pending one and resuming it would make it
            # active without anyone approving it
            GroupStatus.paused: {GroupStatus.active},
            GroupStatus.removed: {GroupStatus.pending, GroupStatus.active, GroupStatus.paused},
        }
        if status not in allowed_from or current not in allowed_from[status]:
            raise Conflict(f"group {group_id} is {current.value}; it cannot become {status.value}")
        approving = current is GroupStatus.pending and status is GroupStatus.active
        perm = Perm.groups_approve if approving else Perm.groups_manage
        require(user, perm, [group.region])
        action = {
            GroupStatus.active: "group.approve" if approving else "group.resume",
            GroupStatus.paused: "group.pause",
            GroupStatus.removed: "group.remove",
        }[status]
        updated = await self.store.update_group(
            group_id,
            AuditRecord(
                actor=user.name,
                action=action,
                object_type="group",
                object_id=str(group_id),
                detail={"from": current.value},
            ),
            status=status,
            approved_by=user.name if approving else None,
        )
        if approving:
            # the running service sends it: this may run in a CLI process without adapters
            await self.store.add_notice(
                group.account, group.address, t("bot.approved", group.language, region=group.region)
            )
        return updated

    async def move_group(self, acting: str, group_id: int, region: str) -> Group:
        user = await self.actor(acting)
        group = await self.store.get_group(group_id)
        require_level(region)
        require(user, Perm.groups_manage, [group.region, region])
        return await self.store.update_group(
            group_id,
            AuditRecord(
                actor=user.name,
                action="group.move",
                object_type="group",
                object_id=str(group_id),
                detail={"from": group.region, "to": region},
            ),
            region=region,
        )
