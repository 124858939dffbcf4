"""Store contract, forecast role: the counts the reach forecast needs per account (issue 15).

One read, :meth:`ForecastStore.forecast_counts`, answers in counts (never rows), so a forecast
of a target of a million groups costs a few indexed aggregates (the CLI, the API, the
dashboard)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, kw_only=True)
class AccountCounts:
    """What one account has to send for one announcement or dispatch, and what stands in its
    way, as counts."""

    account: str
    #: groups of the announcement on this account: the resolved target (before dispatch) or
    #: the dispatch's deliveries plus what is still to be planned
    total: int
    #: of ``total``, the groups not reached yet (queued, sending or not planned yet)
    remaining: int
    #: deliveries of OTHER dispatches queued or sending on this account that the sender takes
    #: first: a higher priority, or the same priority and an older dispatch
    ahead: int
    #: messages this account sent on its local day (``days`` argument; 0 when not asked)
    sent_today: int = 0
    #: the account's queued deliveries held by a cause outside them (the latest end; None:
    #: not held); ``held_endless``: some are held until an operator acts
    held_reason: str | None = None
    held_until: float | None = None
    held_endless: bool = False


class ForecastStore(ABC):
    """Counts per account for the reach forecast."""

    @abstractmethod
    async def forecast_counts(
        self,
        target: Mapping[str, Any],
        rank: int,
        dispatch_id: int | None = None,
        days: Mapping[str, str] | None = None,
    ) -> list[AccountCounts]:
        """Per account (in name order), the groups of ``target`` (a ``Target`` as JSON: active
        groups under its regions, matching its filters) — or, with ``dispatch_id``, of that
        dispatch: its deliveries, plus what planning has not reached yet while it is
        ``planning``; nothing remains of a finished or cancelled dispatch — and the
        deliveries queued ahead of a dispatch of priority ``rank`` (of other dispatches; with
        ``dispatch_id`` only older ones at the same rank), the account's held deliveries, and
        ``sent_today`` from the daily counts for the accounts named in ``days`` (account →
        local day, ISO). Only accounts with groups in the target or the dispatch appear."""
