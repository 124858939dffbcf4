"""The names an announcement is addressed and ranked by: group kinds, priorities and the levels
of the administrative tree. Plain enums and constants, without pydantic, so that code that only
names a level or a priority (the store's records, store-only CLI commands) stays light;
:mod:`content.model` re-exports them.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["BASE_LANGUAGE", "GROUP_KINDS", "Level", "Priority"]

#: Kinds of community group an announcement can target. "other" covers groups that fit none of
#: the named kinds, so that they can still be reached (or excluded) explicitly.
GROUP_KINDS: tuple[str, ...] = (
    "rt",
    "rw",
    "pkk",
    "majelis_taklim",
    "karang_taruna",
    "posyandu",
    "other",
)

#: The language every announcement must have, and the one everything falls back to.
BASE_LANGUAGE = "id"


class Priority(StrEnum):
    """How urgently an announcement must go out; the content queue sends higher ranks first.

    Member names equal their values (``Priority.urgent == "urgent"``), as for every enum in this
    package, so that code, stored rows and front matter all spell them the same way.
    """

    normal = "normal"
    urgent = "urgent"
    emergency = "emergency"

    @property
    def rank(self) -> int:
        """0 for normal, 1 for urgent, 2 for emergency: larger means sooner."""
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.normal: 0, Priority.urgent: 1, Priority.emergency: 2}


class Level(StrEnum):
    """A level of the administrative tree, from the province down to the neighbourhood (RT)."""

    province = "province"
    regency = "regency"
    district = "district"
    village = "village"
    rw = "rw"
    rt = "rt"
