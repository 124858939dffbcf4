"""Wiring: one object that owns the store, the configured adapters and the services on top."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from .adapter import Adapter, AdapterContext, adapter_class, strictest_poll_limits
from .announcements import Workflow
from .config import Settings
from .directory import Directory
from .errors import ConfigError
from .store import open_store
from .store.contract import Store


class App:
    """``async with App(settings) as app``: store open; adapters constructed (not started).

    ``role`` names what the process does in its database connections (PostgreSQL
    ``application_name``): ``cli`` for a command, the ``--role`` list for ``broadcaster run``."""

    def __init__(self, settings: Settings, store: Store | None = None, role: str = "cli") -> None:
        self.settings = settings
        self.store = store or open_store(settings.store.url, settings.store, role=role)
        self.adapter_classes: dict[str, type[Adapter]] = {}
        self.adapters: dict[str, Adapter] = {}
        for name, account in settings.accounts.items():
            if not account.enabled:
                continue
            try:
                cls = adapter_class(account.adapter)
            except ConfigError as exc:
                raise ConfigError(f"accounts.{name}.adapter: {exc}") from exc
            self.adapter_classes[name] = cls
            self.adapters[name] = cls(
                AdapterContext(name, account.settings(), settings.service.data_dir, self.store)
            )
        poll_limits = strictest_poll_limits([a.limits for a in self.adapters.values()])
        self.directory = Directory(self.store, self.adapter_classes)
        self.workflow = Workflow(self.store, settings.service.approvals_required, poll_limits)

    async def __aenter__(self) -> Self:
        await self.store.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.store.close()
