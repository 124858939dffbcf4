"""The channel adapter contract (owned by the core) and the adapter registry.

An adapter is one channel's driver (Telegram, WhatsApp, email, the reference ``file`` adapter).
One instance serves one configured *account* (a bot, a phone number, a mailbox). The core
never imports a concrete adapter: they are found through the entry-point group
``broadcaster.adapters``, so a third party can ship one in its own distribution.

Contract:

* ``limits`` declares the provider's limits as data; the core's rate limiter enforces them
  (config may override them per account).
* ``normalize_address`` validates an address for this channel (used when a group is added).
* ``render`` turns neutral content into channel messages, each within the channel's limits.
* ``prepare`` (optional) does the look-ups a send needs before the rate limiter grants it.
* ``send`` sends ONE message to one address and returns its provider id, or raises one of the
  :class:`~broadcaster.errors.DeliveryError` subclasses — each adapter maps its provider's errors
  onto them in exactly one place.
* ``start``/``stop`` (also ``async with``) open and close connections; an account configured with
  ``sandbox = true`` starts its provider emulator here.
* ``run_inbound`` (optional) delivers inbound events (votes, replies, joins) to the core's sink.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time
from importlib.metadata import entry_points
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Self

from .adapter_names import ENTRY_POINT_GROUP, registered_adapters, unknown_adapter
from .errors import AdapterNotFound, ConfigError
from .publicurl import DEFAULT_PUBLIC_URL, link_base

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from content.model import Announcement
    from content.validation import PollLimits

    from .store.contract import ChannelStore


@dataclass(frozen=True)
class Limits:
    """A channel account's sending limits. ``None`` means "no limit"."""

    global_per_second: float | None = None
    per_address_interval: float | None = None  # minimum seconds between two messages to one chat
    per_address_per_minute: int | None = None
    text_max: int = 4096
    poll: PollLimits | None = None  # None: no native polls (the adapter renders them as text)

    def override(self, values: Mapping[str, Any]) -> Limits:
        """A copy with the given fields replaced (config overrides); unknown keys are errors."""
        allowed = {"global_per_second", "per_address_interval", "per_address_per_minute"}
        unknown = set(values) - allowed
        if unknown:
            raise ValueError(f"unknown limit(s) {sorted(unknown)}; allowed: {sorted(allowed)}")
        return replace(self, **dict(values))


@dataclass(frozen=True)
class Pacing:
    """Pacing an adapter applies inside ``send`` on top of :class:`Limits` (anti-ban pacing of
    a WhatsApp gateway number): what the reach forecast (:mod:`broadcaster.forecast`) models.
    The defaults mean "none"."""

    jitter: float = 0.0  # random extra seconds, 0..jitter, before each message
    daily_cap: int | None = None  # messages per account and local day (counted in the store)
    quiet_hours: tuple[time, time] | None = None  # local wall-clock window without sends
    timezone: str = "Asia/Jakarta"  # of the daily cap's day and of quiet_hours


@dataclass(frozen=True)
class ChannelMessage:
    """One provider message. ``kind`` is adapter-defined (text, poll, photo, …); ``payload``
    is JSON-serialisable and opaque to the core."""

    kind: str
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class SendResult:
    message_id: str
    poll_id: str | None = None
    note: str | None = None  # e.g. "resent as plain text": recorded with the delivery
    #: this message completed the delivery: the remaining parts are not sent (e.g. a template
    #: that carried the whole announcement); the core skips them at once
    last: bool = False


@dataclass(frozen=True)
class RenderContext:
    """What a renderer may need beyond the content itself."""

    announcement_id: int
    short_code: str
    verify_url: str | None = None  # "Cek keaslian: <url>" line appended when set


@dataclass(frozen=True)
class InboundEvent:
    """Something a provider told us: a vote, a reply, a join/leave, a command."""

    # joined | left | command | vote | poll_counts | reply | migrated; the data keys per kind are
    # documented in broadcaster/inbox.py. User ids arrive raw and are hashed by the core at once.
    kind: str
    account: str
    event_id: str  # provider's id, for deduplication (providers redeliver)
    address: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    at: datetime | None = None


@dataclass(frozen=True)
class DiscoveredGroup:
    """A group the account is already a member of (gateways list them), for an officer to map
    to a region and kind with ``broadcaster groups discover``."""

    address: str
    title: str
    participants: int | None = None


InboundSink = Callable[[InboundEvent], Awaitable[object]]


@dataclass(frozen=True)
class AdapterContext:
    """What the core hands an adapter at construction."""

    account: str
    settings: Mapping[str, Any]
    data_dir: Path
    # the core's per-channel state (messaging windows); None in tests without a store
    channel_state: ChannelStore | None = None
    #: ``service.public_url``: the base of every link an adapter hands out (see
    #: :func:`link_base`, which applies the https rule)
    public_url: str = DEFAULT_PUBLIC_URL

    def link_base(self, sandbox: bool) -> str:
        """``public_url`` for this account's links; ConfigError when the https rule forbids
        it (see :mod:`broadcaster.publicurl`)."""
        return link_base(self.public_url, sandbox, f"accounts.{self.account}")


class Adapter(ABC):
    """Base class of every channel adapter; see the module docstring for the contract."""

    channel: ClassVar[str]
    #: True when the provider reports receipts (delivered, read, failed) by message id: the
    #: sender then records every sent message id against its delivery (``status`` events).
    delivery_receipts: ClassVar[bool] = False

    def __init__(self, context: AdapterContext) -> None:
        self.context = context

    @property
    def account(self) -> str:
        return self.context.account

    @property
    @abstractmethod
    def limits(self) -> Limits:
        """The provider's published limits for this account."""

    @property
    def pacing(self) -> Pacing:
        """Pacing this adapter applies itself (jitter, daily cap, quiet hours of the account);
        none by default. Declared so the reach forecast can model it."""
        return Pacing()

    @classmethod
    @abstractmethod
    def normalize_address(cls, address: str) -> str:
        """The canonical form of ``address``; raises InputError naming the problem."""

    @abstractmethod
    def render(
        self, announcement: Announcement, language: str, ctx: RenderContext
    ) -> list[ChannelMessage]:
        """Channel messages for one group, in sending order."""

    @abstractmethod
    async def send(self, message: ChannelMessage, address: str) -> SendResult:
        """Send one message; raise a DeliveryError subclass on failure."""

    async def prepare(self, message: ChannelMessage, address: str) -> None:  # noqa: B027
        """Called before the rate limiter grants the send of ``message``: do here what needs
        no provider call (a store look-up), so that its time does not count in the provider's
        rate windows (a send counts from its grant until its answer). Optional."""

    async def start(self) -> None:  # noqa: B027 - optional hook, default does nothing
        """Open connections (and start a sandbox emulator when configured)."""

    async def stop(self) -> None:  # noqa: B027 - optional hook, default does nothing
        """Close connections. Idempotent."""

    async def sandbox_group(self, title: str) -> str:
        """Create a simulated group on this account's sandbox and return its address (demo and
        rehearsals). Accounts without a sandbox raise ConfigError."""
        raise ConfigError(f"account {self.account!r} has no sandbox to create groups in")

    async def sandbox_self_subscribe(self, title: str, command: str) -> str:
        """Demo and rehearsals: on this account's sandbox, someone adds the account to a new
        group and its admin writes ``command`` there (e.g. "DAFTAR Kamanisan rt"); returns the
        group's address. Accounts without such a sandbox raise ConfigError."""
        raise ConfigError(f"account {self.account!r} has no sandbox groups that subscribe")

    async def notify(self, address: str, text: str) -> None:
        """Send a short service message (welcome, confirmation) outside any dispatch.
        Adapters that cannot reach a group on their own raise ConfigError."""
        raise ConfigError(f"account {self.account!r} cannot send service messages")

    async def discover_groups(self) -> list[DiscoveredGroup]:
        """The groups this account is in, as the provider lists them. Channels that cannot
        list groups raise ConfigError."""
        raise ConfigError(f"account {self.account!r} cannot list the groups it is in")

    def http_routes(self, sink: InboundSink) -> list[BaseRoute]:
        """Webhook routes for this account, mounted by the core under ``/hooks/<account>``.
        Each route must authenticate a request (secret token or HMAC over the raw body) before
        parsing it. Adapters without webhooks return no routes."""
        return []

    async def run_inbound(self, sink: InboundSink) -> None:  # noqa: B027 - optional hook
        """Deliver inbound events to ``sink`` until cancelled. Adapters without an inbound
        side return at once."""

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


def known_adapters() -> dict[str, type[Adapter]]:
    """Every adapter registered under the entry-point group, by name."""
    found: dict[str, type[Adapter]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found[ep.name] = ep.load()
    return found


def adapter_class(name: str) -> type[Adapter]:
    """The adapter class registered as ``name``; AdapterNotFound lists the known names."""
    for ep in entry_points(group=ENTRY_POINT_GROUP, name=name):
        cls = ep.load()
        if not (isinstance(cls, type) and issubclass(cls, Adapter)):
            raise AdapterNotFound(f"entry point {name!r} does not point at an Adapter class")
        return cls
    raise unknown_adapter(name, registered_adapters())


def strictest_poll_limits(limits: Sequence[Limits]) -> PollLimits:
    """The poll limits every channel in ``limits`` can honour natively or as text."""
    from content.validation import PollLimits

    polls = [lim.poll for lim in limits if lim.poll is not None]
    if not polls:
        return PollLimits()
    return PollLimits(
        question_max=min(p.question_max for p in polls),
        options_min=max(p.options_min for p in polls),
        options_max=min(p.options_max for p in polls),
        option_max=min(p.option_max for p in polls),
    )
