"""Telegram Bot API sandbox: a real HTTP server that unmodified python-telegram-bot and aiogram
talk to, with Telegram's limits, error bodies, fault injection and a scriptable community.

Quick start::

    from adapters.sandbox.telegram import SandboxConfig, TelegramSandbox

    async with TelegramSandbox(SandboxConfig(bots=["123456:TEST"])) as sb:
        admin = sb.community.add_user("Bu RT")
        group = sb.community.create_group("RT 001 / RW 003", creator=admin.id)
        sb.community.add_bot(group.id, "123456:TEST", by_user=admin.id)
        bot = telegram.Bot("123456:TEST", base_url=f"{sb.url}/bot")
        ...
        assert sb.messages(group.id)[0].text == "..."

Standalone: ``python -m adapters.sandbox.telegram --port 8081 --bot 123456:TEST`` (see
:mod:`adapters.sandbox.telegram.__main__`); script it over HTTP with the ``/sandbox/...`` admin
API (:mod:`adapters.sandbox.telegram.admin`).
"""

from .community import Community
from .config import (
    NEWER_MEMBER_FIELDS,
    FaultKind,
    FaultRuleConfig,
    FaultsConfig,
    LimitsConfig,
    SandboxConfig,
    WebhookDeliveryConfig,
)
from .entities import Entity
from .faults import FaultRule
from .models import BotRecord, ChatRecord, MessageRecord, PollRecord, UserRecord
from .server import TelegramSandbox
from .stats import SandboxStats, SendRecord

__all__ = [
    "NEWER_MEMBER_FIELDS",
    "BotRecord",
    "ChatRecord",
    "Community",
    "Entity",
    "FaultKind",
    "FaultRule",
    "FaultRuleConfig",
    "FaultsConfig",
    "LimitsConfig",
    "MessageRecord",
    "PollRecord",
    "SandboxConfig",
    "SandboxStats",
    "SendRecord",
    "TelegramSandbox",
    "UserRecord",
    "WebhookDeliveryConfig",
]
