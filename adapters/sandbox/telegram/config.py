"""Configuration of the Telegram sandbox: limits, latency, faults, webhook delivery.

All values are plain dataclasses so a TOML/JSON loader (or a test) can build them directly. The
defaults model the published Bot API limits (Bots FAQ): 30 messages/s per bot, 20 messages per
minute per group, about one message per second per chat, 1000/s with paid broadcasts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FaultKind = Literal["rate_limit", "server_error", "slow", "drop"]

#: Methods that keep working while a bot is flood-blocked: they move updates, not messages, and
#: Telegram's flood control does not stop a bot from receiving its updates.
DEFAULT_FLOOD_EXEMPT: frozenset[str] = frozenset(
    {"getupdates", "setwebhook", "deletewebhook", "getwebhookinfo"}
)


#: ChatMemberAdministrator fields added by recent Bot API versions (9.x) that aiogram 3 requires;
#: a self-hosted ``telegram-bot-api`` older than them leaves them out.
NEWER_MEMBER_FIELDS: frozenset[str] = frozenset({"can_send_welcome_messages"})


@dataclass(slots=True)
class LimitsConfig:
    """Rate limits enforced per bot.

    Contract: with ``enforce`` every accepted ``send*`` call (except ``sendChatAction``) is
    counted in three sliding windows: per bot (``global_per_second`` over
    ``global_window_seconds``), per group or supergroup (``per_group_per_minute`` over
    ``group_window_seconds``) and per chat (``per_chat_per_second``). A send that would exceed the
    per-bot window flood-blocks the bot for ``flood_block_seconds``: every request during the block
    (except the methods in ``flood_exempt_methods``) answers 429 with the remaining time. A send
    that would exceed a per-group or per-chat window answers 429 with the time until the window
    frees a slot, without blocking the bot. Requests with ``allow_paid_broadcast`` use
    ``paid_broadcast_per_second`` instead of ``global_per_second``.
    """

    global_per_second: float = 30.0
    per_group_per_minute: int = 20
    per_chat_per_second: float = 1.0
    flood_block_seconds: float = 3.0
    paid_broadcast_per_second: float = 1000.0
    enforce: bool = True
    global_window_seconds: float = 1.0
    group_window_seconds: float = 60.0
    flood_exempt_methods: frozenset[str] = DEFAULT_FLOOD_EXEMPT


@dataclass(slots=True)
class FaultRuleConfig:
    """One fault rule (see :class:`adapters.sandbox.telegram.faults.FaultRule`).

    ``count`` limits how many matching requests the rule hits; ``seconds`` limits how long it is
    active (from the moment it is installed); with neither it stays until cleared. ``methods``
    holds Bot API method names (case-insensitive), ``"send*"`` for every send method, or ``"*"``
    for every method; the default is ``("send*",)``.
    """

    kind: FaultKind
    count: int | None = None
    seconds: float | None = None
    retry_after: int = 5
    status: int = 502
    delay_ms: float = 0.0
    methods: tuple[str, ...] = ("send*",)
    chat_id: int | None = None
    bot_id: int | None = None


@dataclass(slots=True)
class FaultsConfig:
    """Faults active from start-up: explicit rules plus random per-request chaos.

    The ``*_rate`` fields are probabilities in [0, 1] applied to every send request (``send*``
    methods) independently of the rules; ``seed`` makes that chaos reproducible.
    """

    rules: list[FaultRuleConfig] = field(default_factory=list)
    server_error_rate: float = 0.0
    drop_rate: float = 0.0
    rate_limit_rate: float = 0.0
    random_retry_after: int = 1
    seed: int | None = None


@dataclass(slots=True)
class WebhookDeliveryConfig:
    """How the sandbox pushes updates to a bot's webhook.

    A delivery that does not answer 2xx is retried ``max_attempts - 1`` more times, waiting
    ``backoff_seconds * 2**attempt`` between tries; after that the update is dropped and the error
    is reported by ``getWebhookInfo`` (Telegram also gives up "after a reasonable amount of
    attempts").
    """

    max_attempts: int = 4
    backoff_seconds: float = 0.25
    timeout_seconds: float = 10.0


@dataclass(slots=True)
class SandboxConfig:
    """Everything a :class:`~adapters.sandbox.telegram.server.TelegramSandbox` needs.

    ``bots`` are tokens registered at start-up. With ``auto_register_bots`` any well-formed token
    (``<digits>:<secret>``) is accepted on first use, which suits demos; otherwise an unknown token
    answers 401 Unauthorized, as Telegram does. ``latency_ms`` (plus up to ``latency_jitter_ms``)
    delays every Bot API answer. ``admin_token``, when set, must be sent as
    ``Authorization: Bearer <token>`` to every ``/sandbox/...`` endpoint.
    ``min_poll_options`` is 2 (the long-standing rule; Bot API 10 lowered it to 1).
    ``send_log_limit`` bounds :attr:`SandboxStats.send_log`; ``max_pending_updates`` bounds each
    bot's unfetched updates. ``omit_member_fields`` plays a Bot API server older than the client
    libraries: those ``ChatMember`` fields (e.g. :data:`NEWER_MEMBER_FIELDS`) are left out of
    getChatMember, getChatAdministrators and (my_)chat_member updates.
    """

    host: str = "127.0.0.1"
    port: int = 0
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    faults: FaultsConfig = field(default_factory=FaultsConfig)
    webhook: WebhookDeliveryConfig = field(default_factory=WebhookDeliveryConfig)
    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    bots: list[str] = field(default_factory=list)
    auto_register_bots: bool = False
    admin_token: str | None = None
    min_poll_options: int = 2
    send_log_limit: int = 1_000_000
    max_pending_updates: int = 100_000
    shutdown_timeout_seconds: float = 2.0
    omit_member_fields: frozenset[str] = frozenset()
