"""Every shared part of the store in one class: each engine's store is
``EngineWrites, SqlStore, EngineBase, Store``. A new concept's mixin is added here, once."""

from __future__ import annotations

from .audit import AuditSql
from .audit_scope import AuditScopeReads
from .cap import CapSql
from .channels import ChannelSql
from .content import ContentSql
from .deadletters import DeadLetterSql
from .directory import DirectorySql
from .dispatch import DispatchSql
from .forecast import ForecastSql
from .hoaxes import HoaxSql
from .holds import HoldsSql
from .inbox import InboxSql
from .oncall import OncallSql
from .portal import PortalSql
from .selfservice import SelfServiceSql
from .web import WebSql


class SqlStore(
    DirectorySql,
    ContentSql,
    DispatchSql,
    InboxSql,
    WebSql,
    ChannelSql,
    DeadLetterSql,
    HoldsSql,
    SelfServiceSql,
    HoaxSql,
    CapSql,
    OncallSql,
    PortalSql,
    AuditSql,
    AuditScopeReads,
    ForecastSql,
):
    """The shared SQL of the Store contract (engine-specific parts come before it in the MRO,
    the engine's connection handling after it)."""
