"""Who may read which audit entries: the log follows the same scopes as the data it records.

An entry is visible to a reader when its object lies in the reader's scope:

* announcements, and their schedules and dispatches: one target region lies within the scope or
  contains it (as :meth:`Store.list_visible_announcements`), or the reader wrote it;
* groups: the group's region lies within the scope (a group added by a bot command, whose id is
  not in the entry, by the region in its detail); residents' replies: their group's region;
* users, API tokens, logins (with their client addresses) and region imports: admins only — an
  admin scoped to a region sees the users (and their tokens and logins) scoped within it, the
  rest only installation-wide admins;
* anything else (objects that no longer exist, the service's own bookkeeping): readers without
  a scope only.

Installation-wide admins see everything. The listing walks the log newest first, in pages,
until it has ``limit`` visible entries or has looked at :data:`SCAN_LIMIT` entries.
"""

from __future__ import annotations

import json

from .regions import is_within
from .store.contract import AuditObject, Store
from .store.records import AuditEntry, Role, User

SCAN_LIMIT = 50_000
ADMIN_TYPES = frozenset({"user", "api_token", "regions"})
#: entries whose object is another kind but that carry a login address
ADMIN_ACTIONS = frozenset({"login", "login.failed"})


def _intersects(regions: tuple[str, ...], scope: str) -> bool:
    return any(is_within(r, scope) or is_within(scope, r) for r in regions)


def _detail_region(entry: AuditEntry) -> str | None:
    try:
        detail = json.loads(entry.detail)
    except ValueError:
        return None
    region = detail.get("region") if isinstance(detail, dict) else None
    return region if isinstance(region, str) else None


def entry_visible(reader: User, entry: AuditEntry, obj: AuditObject | None) -> bool:
    """The rule in the module docstring, for one entry and what its object is."""
    if reader.role is Role.admin and reader.scope is None:
        return True
    scope = reader.scope
    if entry.object_type in ADMIN_TYPES or entry.action in ADMIN_ACTIONS:
        if reader.role is not Role.admin:
            return False
        if entry.object_type == "regions" or obj is None or obj.scope_of_user is None:
            return scope is None
        return scope is None or is_within(obj.scope_of_user, scope)
    if scope is None:
        return True
    if entry.object_type in ("announcement", "schedule", "dispatch"):
        if obj is None:
            return False
        return obj.author == reader.name or _intersects(obj.regions, scope)
    if entry.object_type in ("group", "reply"):
        regions = obj.regions if obj is not None else ()
        if not regions and entry.object_type == "group":
            region = _detail_region(entry)
            regions = (region,) if region else ()
        return bool(regions) and all(is_within(r, scope) for r in regions)
    return False


async def visible_audit(
    store: Store,
    reader: User,
    limit: int = 50,
    object_type: str | None = None,
    object_id: str | None = None,
) -> list[AuditEntry]:
    """The newest ``limit`` entries ``reader`` may see (optionally of one object)."""
    if reader.role is Role.admin and reader.scope is None:
        return await store.list_audit(limit, object_type, object_id)
    found: list[AuditEntry] = []
    before: int | None = None
    scanned = 0
    page = max(limit * 2, 200)
    while len(found) < limit and scanned < SCAN_LIMIT:
        entries = await store.list_audit_page(page, before, object_type, object_id)
        if not entries:
            break
        scanned += len(entries)
        before = entries[-1].seq
        objects = await store.audit_objects(sorted({(e.object_type, e.object_id) for e in entries}))
        for entry in entries:
            obj = objects.get((entry.object_type, entry.object_id))
            if entry_visible(reader, entry, obj):
                found.append(entry)
                if len(found) == limit:
                    break
        if len(entries) < page:
            break
    return found


__all__ = ["SCAN_LIMIT", "entry_visible", "visible_audit"]
