"""People in bulk and for a while: ``users import`` (a cohort of student verifiers), accounts
valid until a date, and invitations to set one's own dashboard password.

``users import FILE`` reads CSV or XLSX with the header ``name,role,scope,email,valid_until``
(``email`` and ``valid_until`` may be empty). All or nothing, like ``groups import``: every
problem is listed as ``FILE:LINE: problem`` and nothing is written. A user who exists with the
same role and scope keeps their account (their e-mail and end date are updated when the sheet
says otherwise), so the sheet of a term can be imported again to extend it.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from .auth import Perm, allowed, require
from .directory import RESERVED_NAMES, Directory, _require_scope_over
from .errors import InputError
from .expiry import describe, parse_valid_until
from .onboarding import Row, read_rows
from .regions import level_of
from .store.records import AuditRecord, Role, User

USER_COLUMNS = ("name", "role", "scope", "email", "valid_until")
USER_REQUIRED = ("name", "role", "scope")
EMAIL = re.compile(r"[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_NAME = re.compile(r"[A-Za-z0-9._-]+")


@dataclass
class UsersReport:
    file: str
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)
    written: bool = False

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


class UsersRejected(InputError):
    def __init__(self, report: UsersReport) -> None:
        self.report = report
        count = len(report.problems)
        head = f"{report.file}: {count} problem{'s' if count != 1 else ''}; nothing imported"
        super().__init__("\n".join([head, *report.problems]))


@dataclass(frozen=True)
class Person:
    name: str
    role: Role
    scope: str | None
    email: str | None
    valid_until: float | None


async def set_validity(
    directory: Directory,
    acting: str,
    name: str,
    valid_until: float | None = None,
    email: str | None = None,
    clear: bool = False,
) -> None:
    """An admin (whose scope covers the user) sets the end date and/or e-mail address."""
    actor = await directory.actor(acting)
    require(actor, Perm.users_manage)
    target = await directory.store.get_user(name)
    _require_scope_over(actor, target.scope, f"user {name!r}")
    store = directory.store
    if valid_until is not None or clear:
        detail = {"valid_until": None if valid_until is None else describe(valid_until)}
        await store.set_user_valid_until(
            name,
            valid_until,
            AuditRecord(
                actor=actor.name,
                action="user.valid_until",
                object_type="user",
                object_id=name,
                detail=detail,
            ),
        )
    if email is not None:
        if not EMAIL.fullmatch(email):
            raise InputError(f"e-mail address {email!r}: use a mailbox such as siti@example.id")
        await store.set_user_email(
            name,
            email,
            AuditRecord(actor=actor.name, action="user.email", object_type="user", object_id=name),
        )


class UserImporter:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.store = directory.store

    async def run(self, acting: str, name: str, data: bytes, check: bool = False) -> UsersReport:
        actor = await self.directory.actor(acting)
        require(actor, Perm.users_manage)
        rows, problems = await asyncio.to_thread(read_rows, name, data, USER_COLUMNS, USER_REQUIRED)
        report = UsersReport(name, rows=len(rows), problems=problems)
        people = await self._validate(actor, name, rows, report)
        existing = {u.name: u for u in await self.store.list_users()}
        new = [p for p in people if p.name not in existing]
        report.added = len(new)
        if report.problems:
            if check:
                return report
            raise UsersRejected(report)
        changes: list[Person] = []
        for person in people:
            if person.name in existing:
                until = await self.store.user_valid_until(person.name)
                email = await self.store.user_email(person.name)
                if (until, email) != (person.valid_until, person.email):
                    changes.append(person)
                else:
                    report.unchanged += 1
        report.updated = len(changes)
        if check:
            return report
        for person in new:
            await self.directory.add_user(actor.name, person.name, person.role, person.scope)
        for person in [*new, *changes]:
            if person.valid_until is not None or person.name in existing:
                await set_validity(
                    self.directory,
                    actor.name,
                    person.name,
                    person.valid_until,
                    clear=person.valid_until is None,
                )
            if person.email is not None:
                await set_validity(self.directory, actor.name, person.name, email=person.email)
        report.written = bool(new or changes)
        return report

    async def _validate(
        self, actor: User, file: str, rows: list[Row], report: UsersReport
    ) -> list[Person]:
        scopes = sorted({r.values.get("scope", "") for r in rows} - {""})
        known = set(await self.store.get_regions([s for s in scopes if level_of(s)]))
        existing = {u.name: u for u in await self.store.list_users()}
        seen: dict[str, int] = {}
        people: list[Person] = []
        now = time.time()
        for row in rows:
            found: list[str] = []
            v = row.values
            name = v.get("name", "")
            if not _NAME.fullmatch(name) or name.lower() in RESERVED_NAMES:
                found.append(f"user name {name!r}: use letters, digits, '.', '_' or '-'")
            elif name in seen:
                found.append(f"duplicate of line {seen[name]} ({name})")
            else:
                seen[name] = row.line
            try:
                role = Role(v.get("role", "").lower())
            except ValueError:
                roles = ", ".join(r.value for r in Role)
                found.append(f"unknown role {v.get('role', '')!r}; use one of: {roles}")
                role = None
            scope = v.get("scope") or None
            if scope is not None and scope not in known:
                found.append(f"unknown region {scope} as scope (import regions first)")
            elif scope is None and role is not None and role is not Role.admin:
                found.append(f"a {role.value} needs a region scope")
            elif role is not None and not allowed(
                actor, Perm.users_manage, [scope] if scope else []
            ):
                found.append(
                    f"scope {scope or '(all)'} is outside {actor.name!r}'s ({actor.scope})"
                )
            elif scope is None and actor.scope is not None:
                found.append(
                    f"{actor.name!r} is scoped; only an installation-wide admin adds admins"
                )
            email = v.get("email") or None
            if email is not None and not EMAIL.fullmatch(email):
                found.append(f"e-mail address {email!r}: use a mailbox such as siti@example.id")
            until: float | None = None
            if v.get("valid_until"):
                try:
                    until = parse_valid_until(v["valid_until"])
                except InputError as exc:
                    found.append(str(exc))
                else:
                    if until <= now:
                        found.append(f"valid_until {v['valid_until']} has already passed")
            old = existing.get(name)
            if old is not None and role is not None and (old.role, old.scope) != (role, scope):
                found.append(
                    f"user {name!r} exists as {old.role.value} at {old.scope or '(all)'}; "
                    f"change it with 'broadcaster users update {name}'"
                )
            if found:
                report.problems.extend(f"{file}:{row.line}: {p}" for p in found)
            elif role is not None:
                people.append(Person(name, role, scope, email, until))
        return people


async def import_users_file(
    directory: Directory, acting: str, path: Path, check: bool = False
) -> UsersReport:
    data = await asyncio.to_thread(path.read_bytes)
    return await UserImporter(directory).run(acting, str(path), data, check)
