"""Users and groups: the people who act and the audiences they reach."""

from __future__ import annotations

from collections.abc import Mapping

from content.model import GROUP_KINDS

from .adapter import Adapter
from .auth import Perm, require
from .errors import Conflict, InputError, NotFound, PermissionDenied
from .regions import require_level
from .store.contract import Store
from .store.records import AuditRecord, Group, GroupStatus, NewGroup, Role, User

BOOTSTRAP = "bootstrap"


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
            return await self.store.get_user(name)
        except NotFound:
            raise NotFound(
                f"user {name!r} does not exist; an admin creates it with "
                f"'broadcaster users add {name} --role ROLE --scope CODE'"
            ) from None

    # -- users -----------------------------------------------------------------------------
    async def add_user(self, acting: str | None, name: str, role: Role, scope: str | None) -> User:
        """Create a user. With no users yet, the first one must be an admin created without
        an acting user (bootstrap)."""
        if not name or not name.replace("_", "").replace(".", "").replace("-", "").isalnum():
            raise InputError(f"user name {name!r}: use letters, digits, '.', '_' or '-'")
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
            require(user, Perm.users_manage, [scope] if scope else [])
            actor = user.name
        return await self.store.add_user(
            name,
            role,
            scope,
            AuditRecord(actor, "user.add", "user", name, {"role": role.value, "scope": scope}),
        )

    async def update_user(
        self,
        acting: str,
        name: str,
        role: Role | None = None,
        scope: str | None = None,
        active: bool | None = None,
    ) -> User:
        user = await self.actor(acting)
        require(user, Perm.users_manage, [scope] if scope else [])
        if scope is not None:
            require_level(scope)
        detail = {"role": role.value if role else None, "scope": scope, "active": active}
        return await self.store.update_user(
            name,
            AuditRecord(user.name, "user.update", "user", name, detail),
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
        require(user, Perm.groups_add, [region])
        require_level(region)
        if kind not in GROUP_KINDS:
            raise InputError(f"unknown group kind {kind!r}; use one of: {', '.join(GROUP_KINDS)}")
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
                user.name,
                "group.add",
                "group",
                "",
                {"account": account, "region": region, "kind": kind, "status": status.value},
            ),
        )
        if status is GroupStatus.active:
            group = await self.store.update_group(
                group.id,
                AuditRecord(user.name, "group.approve", "group", str(group.id)),
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
            GroupStatus.paused: {GroupStatus.active, GroupStatus.pending},
            GroupStatus.removed: {GroupStatus.pending, GroupStatus.active, GroupStatus.paused},
        }
        if status not in allowed_from or current not in allowed_from[status]:
            raise Conflict(f"group {group_id} is {current.value}; it cannot become {status.value}")
        approving = current is GroupStatus.pending and status is GroupStatus.active
        perm = Perm.groups_approve if approving else Perm.groups_manage
        require(user, perm, [group.region])
        action = "group.approve" if approving else f"group.{status.value}"
        return await self.store.update_group(
            group_id,
            AuditRecord(user.name, action, "group", str(group_id), {"from": current.value}),
            status=status,
            approved_by=user.name if approving else None,
        )

    async def move_group(self, acting: str, group_id: int, region: str) -> Group:
        user = await self.actor(acting)
        group = await self.store.get_group(group_id)
        require_level(region)
        require(user, Perm.groups_manage, [group.region, region])
        return await self.store.update_group(
            group_id,
            AuditRecord(
                user.name,
                "group.move",
                "group",
                str(group_id),
                {"from": group.region, "to": region},
            ),
            region=region,
        )
