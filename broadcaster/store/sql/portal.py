"""The public portal's reads (contract: :class:`~broadcaster.store.contract.portal.PortalStore`).

They read the listing that migration 0013's triggers keep (``portal_items``: one row per
announcement that went out; ``portal_targets``: per target region, the region itself with
``direct = 1`` and each ancestor with ``direct = 0``). Every branch below is an ordered index
read with its own LIMIT, so the newest page costs the same with 100 or 100,000 announcements.
"""

from __future__ import annotations

from typing import Any

from content.levels import Level

from ...regions import LEVEL_ORDER, parent_code, require_level, subtree_bounds
from ..contract.portal import PortalItem
from ..records import Region
from .base import SqlBase, marks
from .rows import ANN_COLS, announcement_of

PUBLISHED = ("dispatching", "done")
# an expired announcement stays public only if something of it was sent
_VISIBLE = (
    "(p.expires_at IS NULL OR p.expires_at > ? OR EXISTS (SELECT 1 FROM dispatches d "
    "JOIN deliveries x ON x.dispatch_id = d.id "
    "WHERE d.announcement_id = p.announcement_id AND x.status = 'sent'))"
)


def like_pattern(query: str) -> str:
    """``%query%`` with LIKE's wildcards escaped (``\\`` is the escape character)."""
    escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def ancestors(code: str) -> list[str]:
    """The codes above ``code``, nearest first (raises InputError for a malformed code)."""
    found: list[str] = []
    current = parent_code(code)
    while current is not None:
        found.append(current)
        current = parent_code(current)
    return found


class PortalSql(SqlBase):
    async def portal_items(
        self,
        *,
        now: float,
        region: str | None = None,
        query: str = "",
        limit: int = 20,
        offset: int = 0,
    ) -> list[PortalItem]:
        want = limit + offset
        search, search_params = (
            ("", [])
            if not query
            else (
                " AND p.search LIKE ? ESCAPE '\\'",
                [like_pattern(query)],
            )
        )
        branches: list[str] = []
        params: list[Any] = []
        if region is None:
            branches.append(
                "SELECT p.announcement_id AS aid, p.published_at AS at FROM portal_items p "
                f"WHERE {_VISIBLE}{search} ORDER BY p.published_at DESC, p.announcement_id DESC "
                "LIMIT ?"
            )
            params += [now, *search_params, want]
        else:
            require_level(region)
            # (region itself or a part of it) + (a direct target on each ancestor)
            for code, direct in [
                (region, ""),
                *((a, " AND t.direct = 1") for a in ancestors(region)),
            ]:
                branches.append(
                    "SELECT t.announcement_id AS aid, t.published_at AS at FROM portal_targets t "
                    "JOIN portal_items p ON p.announcement_id = t.announcement_id "
                    f"WHERE t.region = ?{direct} AND {_VISIBLE}{search} "
                    "ORDER BY t.published_at DESC, t.announcement_id DESC LIMIT ?"
                )
                params += [code, now, *search_params, want]
        union = " UNION ".join(
            f"SELECT aid, at FROM ({sql}) AS b{i}" for i, sql in enumerate(branches)
        )
        cols = ", ".join(f"a.{c.strip()}" for c in ANN_COLS.split(","))
        rows = await self._fetch(
            f"SELECT {cols}, u.at FROM ({union}) AS u JOIN announcements a ON a.id = u.aid "
            f"WHERE a.status IN ({marks(PUBLISHED)}) ORDER BY u.at DESC, a.id DESC "
            "LIMIT ? OFFSET ?",
            [*params, *PUBLISHED, limit, offset],
        )
        return [
            PortalItem(announcement=announcement_of(r[:-1]), published_at=float(r[-1]))
            for r in rows
        ]

    async def portal_children(self, code: str | None) -> list[Region]:
        if code is None:
            level, low, high = Level.province, "", "~"
        else:
            index = LEVEL_ORDER.index(require_level(code))
            if index + 1 >= len(LEVEL_ORDER):
                return []
            level = LEVEL_ORDER[index + 1]
            low, high = subtree_bounds(code)
        rows = await self._fetch(
            "SELECT code, level, name, parent FROM regions "
            "WHERE level = ? AND code > ? AND code < ? ORDER BY code",
            (str(level), low, high),
        )
        return [Region(code=r[0], level=Level(r[1]), name=r[2], parent=r[3]) for r in rows]
