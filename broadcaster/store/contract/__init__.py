"""The async ``Store`` contract owned by the core, in one place: one interface per role that
uses it, and :class:`Store`, their union, which every engine implements.

- :mod:`.workflow` — :class:`WorkflowStore`: regions, groups, users, announcements, approvals,
  schedules, the audit log (the workflow, the CLI, the directory);
- :mod:`.engine` — :class:`EngineStore`: dispatches, planning, the delivery queue (the engine);
- :mod:`.inbox` — :class:`InboxStore`: inbound events, polls, votes, replies, notices (the inbox);
- :mod:`.channels` — :class:`ChannelStore`: provider receipts, messaging windows, daily send
  counts (the adapters);
- :mod:`.holds` — :class:`HoldStore`: held deliveries and the reasons of failed and held ones
  (the engine, the CLI, the dashboard);
- :mod:`.deadletters` — :class:`DeadLetterStore`: inbound updates skipped on purpose (the inbox
  keeps them, ``/metrics`` and ``/healthz`` count them);
- :mod:`.web` — :class:`WebStore`: credentials, sessions, API tokens, moderation, content
  history (the dashboard and the JSON API);
- :mod:`.audit_scope` — :class:`AuditScopeStore`: the reads behind audit listings that follow
  the reader's scope (:mod:`broadcaster.audit_scope`).
- :mod:`.selfservice` — :class:`SelfServiceStore`: numbered region choices, groups in bulk,
  users' end dates and e-mail addresses (self-service and onboarding).
- :mod:`.hoaxes` — :class:`HoaxStore`: residents' hoax reports, cases, two-person verdicts,
  answers to reporters and the retention purge (the hoax desk).
- :mod:`.cap` — :class:`CapStore`: CAP alerts received and what each became, CAP feeds'
  polling state (the CAP intake and poller, the approve page's timings).
- :mod:`.oncall` — :class:`OncallStore`: the on-call rota, the alert log, emergency timings
  (issue 15, :mod:`broadcaster.oncall`).
- :mod:`.forecast` — :class:`ForecastStore`: counts per account for the reach forecast
  (:mod:`broadcaster.forecast`).
- :mod:`.portal` — :class:`PortalStore`: the public portal's listings of announcements that went
  out, by region and search.

Every implementation (SQLite and PostgreSQL, :mod:`broadcaster.store.sqlite` and
:mod:`broadcaster.store.postgres`) passes the same contract suite in ``tests/store``. A new
method goes in the interface of the role that calls it; its SQL goes in
:mod:`broadcaster.store.sql`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

from .audit_scope import AuditObject, AuditScopeStore, ObjectRef
from .cap import CapAlertRecord, CapFeedState, CapStore, NewCapAlert
from .channels import RECEIPT_ORDER, ChannelStore
from .deadletters import DeadLetter, DeadLetterStore
from .engine import EngineStore
from .forecast import AccountCounts, ForecastStore
from .hoaxes import HoaxStore
from .holds import HoldStore
from .inbox import InboundVote, InboxStore, VoteOutcome
from .oncall import OncallStore
from .portal import PortalItem, PortalStore
from .selfservice import GroupKey, SelfServiceStore
from .web import REPLY_STATUSES, ApiToken, ContentVersion, ModeratedReply, WebSession, WebStore
from .workflow import WorkflowStore

__all__ = [
    "RECEIPT_ORDER",
    "REPLY_STATUSES",
    "AccountCounts",
    "ApiToken",
    "AuditObject",
    "AuditScopeStore",
    "CapAlertRecord",
    "CapFeedState",
    "CapStore",
    "ChannelStore",
    "ContentVersion",
    "DeadLetter",
    "DeadLetterStore",
    "EngineStore",
    "ForecastStore",
    "GroupKey",
    "HoaxStore",
    "HoldStore",
    "InboundVote",
    "InboxStore",
    "ModeratedReply",
    "NewCapAlert",
    "ObjectRef",
    "OncallStore",
    "PortalItem",
    "PortalStore",
    "SelfServiceStore",
    "Store",
    "VoteOutcome",
    "WebSession",
    "WebStore",
    "WorkflowStore",
]


class Store(
    WorkflowStore,
    EngineStore,
    InboxStore,
    WebStore,
    ChannelStore,
    DeadLetterStore,
    AuditScopeStore,
    HoldStore,
    SelfServiceStore,
    HoaxStore,
    CapStore,
    OncallStore,
    ForecastStore,
    PortalStore,
    ABC,
):
    """Persistent state of one broadcaster installation: every role's interface."""

    # -- lifecycle -------------------------------------------------------------------------
    @abstractmethod
    async def open(self) -> None:
        """Connect and apply pending migrations."""

    @abstractmethod
    async def close(self) -> None:
        """Flush and disconnect. Idempotent."""

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @abstractmethod
    async def schema_version(self) -> int:
        """The newest migration applied."""
