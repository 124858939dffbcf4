"""Counts for the reach forecast (issue 15): the SQL of
:class:`~..contract.forecast.ForecastStore`. Every statement aggregates in the database
(GROUP BY account) over an index: groups by region range, deliveries by dispatch or by the
account's queue."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ...regions import subtree_bounds
from ..contract.forecast import AccountCounts
from .base import SqlBase, marks
from .dispatch import roots, target_filter

OF_DISPATCH = (
    "SELECT account, COUNT(*), SUM(CASE WHEN status IN ('queued', 'sending') THEN 1 ELSE 0 END) "
    "FROM deliveries WHERE dispatch_id = ? GROUP BY account"
)
AHEAD = (
    "SELECT account, COUNT(*) FROM deliveries WHERE status IN ('queued', 'sending') "
    "AND account IN ({accounts}) AND dispatch_id <> ? "
    "AND (rank > ? OR (rank = ? AND dispatch_id < ?)) GROUP BY account"
)
HELD = (
    "SELECT account, held_reason, COUNT(*), MAX(held_until), COUNT(*) - COUNT(held_until) "
    "FROM deliveries WHERE status = 'queued' AND held_reason IS NOT NULL "
    "AND account IN ({accounts}) GROUP BY account, held_reason"
)
SENT_TODAY = "SELECT sent FROM daily_counts WHERE account = ? AND day = ?"
#: a dispatch id above every real one: before dispatch, every queued dispatch is older
NO_DISPATCH = 2**62


class ForecastSql(SqlBase):
    async def _targeted(self, target: Mapping[str, Any]) -> dict[str, int]:
        """Active groups of ``target`` per account: one range aggregate per root region."""
        predicate, params = target_filter(dict(target))
        counts: dict[str, int] = {}
        for code in roots(list(target.get("regions") or [])):
            low, high = subtree_bounds(code)
            rows = await self._fetch(
                f"SELECT account, COUNT(*) FROM {self.dialect.groups_by_region} "
                f"WHERE region >= ? AND region < ? AND {predicate} GROUP BY account",
                (low, high, *params),
            )
            for account, count in rows:
                counts[str(account)] = counts.get(str(account), 0) + int(count)
        return counts

    async def _of_dispatch(self, dispatch_id: int) -> dict[str, tuple[int, int]]:
        """(total, remaining) per account of a dispatch, what is still unplanned included."""
        rows = await self._fetch(
            "SELECT status, target FROM dispatches WHERE id = ?", (dispatch_id,)
        )
        if not rows:
            return {}
        status, target = str(rows[0][0]), json.loads(rows[0][1])
        planned = {
            str(a): (int(n), int(o or 0))
            for a, n, o in await self._fetch(OF_DISPATCH, (dispatch_id,))
        }
        if status not in ("planning", "sending"):
            return {a: (n, 0) for a, (n, _) in planned.items()}
        if status == "sending":
            return planned
        out = dict(planned)
        for account, count in (await self._targeted(target)).items():
            n, open_ = planned.get(account, (0, 0))
            unplanned = max(0, count - n)
            out[account] = (n + unplanned, open_ + unplanned)
        return out

    async def forecast_counts(
        self,
        target: Mapping[str, Any],
        rank: int,
        dispatch_id: int | None = None,
        days: Mapping[str, str] | None = None,
    ) -> list[AccountCounts]:
        if dispatch_id is None:
            of = {a: (n, n) for a, n in (await self._targeted(target)).items()}
        else:
            of = await self._of_dispatch(dispatch_id)
        accounts = sorted(of)
        if not accounts:
            return []
        ahead_id = NO_DISPATCH if dispatch_id is None else dispatch_id
        ahead = {
            str(a): int(n)
            for a, n in await self._fetch(
                AHEAD.format(accounts=marks(accounts)),
                (*accounts, ahead_id, rank, rank, ahead_id),
            )
        }
        held: dict[str, tuple[str, float | None, bool]] = {}
        for account, reason, _count, until, endless in await self._fetch(
            HELD.format(accounts=marks(accounts)), accounts
        ):
            _, before, was_endless = held.get(str(account), ("", None, False))
            ends = [float(u) for u in (before, until) if u is not None]
            held[str(account)] = (str(reason), max(ends, default=None), was_endless or endless > 0)
        sent: dict[str, int] = {}
        for account, day in (days or {}).items():
            if account in of:
                rows = await self._fetch(SENT_TODAY, (account, day))
                sent[account] = int(rows[0][0]) if rows else 0
        return [
            AccountCounts(
                account=a,
                total=of[a][0],
                remaining=of[a][1],
                ahead=ahead.get(a, 0),
                sent_today=sent.get(a, 0),
                held_reason=held[a][0] if a in held else None,
                held_until=held[a][1] if a in held else None,
                held_endless=held[a][2] if a in held else False,
            )
            for a in accounts
        ]
