""":class:`~broadcaster.store.contract.AuditScopeStore` written once for both SQL engines (``?``
placeholders through each store's ``_fetch``)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from ..contract.audit_scope import AuditObject, ObjectRef
from ..records import AuditEntry
from .base import SqlBase
from .rows import audit_entry

#: object types whose id is an integer row id, and the query naming (id, announcement id)
_VIA_ANNOUNCEMENT = {
    "dispatch": "SELECT id, announcement_id FROM dispatches WHERE id IN ({})",
    "schedule": "SELECT id, announcement_id FROM schedules WHERE id IN ({})",
}


def _ids(refs: Iterable[ObjectRef], kind: str) -> list[int]:
    return sorted({int(i) for t, i in refs if t == kind and i.isdigit() and len(i) < 19})


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


def _target_regions(content: str) -> tuple[str, ...]:
    try:
        regions = json.loads(content).get("target", {}).get("regions", [])
    except (ValueError, AttributeError):
        return ()
    return tuple(str(r) for r in regions)


class AuditScopeReads(SqlBase):
    """``list_audit_page`` and ``audit_objects`` of the Store contract."""

    async def list_audit_page(
        self,
        limit: int,
        before_seq: int | None = None,
        object_type: str | None = None,
        object_id: str | None = None,
    ) -> list[AuditEntry]:
        clauses: list[str] = []
        params: list[object] = []
        if before_seq is not None:
            clauses.append("seq < ?")
            params.append(before_seq)
        if object_type is not None:
            clauses.append("object_type = ?")
            params.append(object_type)
        if object_id is not None:
            clauses.append("object_id = ?")
            params.append(object_id)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = await self._fetch(
            f"SELECT * FROM audit {where} ORDER BY seq DESC LIMIT ?", [*params, limit]
        )
        return [audit_entry(r) for r in rows]

    async def _announcements(self, ids: Sequence[int]) -> dict[int, AuditObject]:
        if not ids:
            return {}
        rows = await self._fetch(
            f"SELECT id, author, content FROM announcements WHERE id IN ({_marks(ids)})", ids
        )
        return {
            int(i): AuditObject(_target_regions(str(content)), str(author))
            for i, author, content in rows
        }

    async def audit_objects(self, refs: Sequence[ObjectRef]) -> dict[ObjectRef, AuditObject]:
        out: dict[ObjectRef, AuditObject] = {}
        announcement_ids = set(_ids(refs, "announcement"))
        parents: dict[ObjectRef, int] = {}
        for kind, sql in _VIA_ANNOUNCEMENT.items():
            ids = _ids(refs, kind)
            if ids:
                for row_id, announcement_id in await self._fetch(sql.format(_marks(ids)), ids):
                    parents[(kind, str(row_id))] = int(announcement_id)
                    announcement_ids.add(int(announcement_id))
        announcements = await self._announcements(sorted(announcement_ids))
        for i, obj in announcements.items():
            out[("announcement", str(i))] = obj
        for ref, announcement_id in parents.items():
            if announcement_id in announcements:
                out[ref] = announcements[announcement_id]
        ids = _ids(refs, "group")
        if ids:
            rows = await self._fetch(
                f"SELECT id, region FROM groups WHERE id IN ({_marks(ids)})", ids
            )
            for i, region in rows:
                out[("group", str(i))] = AuditObject((str(region),))
        ids = _ids(refs, "reply")
        if ids:
            rows = await self._fetch(
                "SELECT r.id, g.region FROM replies r LEFT JOIN groups g ON g.id = r.group_id "
                f"WHERE r.id IN ({_marks(ids)})",
                ids,
            )
            for i, region in rows:
                out[("reply", str(i))] = AuditObject(() if region is None else (str(region),))
        names = sorted({i for t, i in refs if t == "user"})
        if names:
            rows = await self._fetch(
                f"SELECT name, scope FROM users WHERE name IN ({_marks(names)})", names
            )
            for name, scope in rows:
                out[("user", str(name))] = AuditObject(is_user=True, scope_of_user=scope)
        ids = _ids(refs, "api_token")
        if ids:
            rows = await self._fetch(
                "SELECT t.id, u.scope FROM api_tokens t JOIN users u ON u.name = t.user_name "
                f"WHERE t.id IN ({_marks(ids)})",
                ids,
            )
            for i, scope in rows:
                out[("api_token", str(i))] = AuditObject(is_user=True, scope_of_user=scope)
        return out
