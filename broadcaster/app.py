"""Wiring: one object that owns the store, the configured adapters and the services on top."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

from .adapter_names import check_adapter_names
from .config_cache import Essentials, essentials_of, load_essentials
from .directory import Directory
from .errors import ConfigError
from .files import private_dir
from .store import open_store
from .store.contract import Store

if TYPE_CHECKING:
    from .adapter import Adapter
    from .announcements import Workflow
    from .config import Settings


class App:
    """``async with App(settings) as app``: store open; adapters constructed when first used.
    Commands open theirs with :meth:`from_config`, which needs no validated settings when the
    config's essentials are cached (:mod:`broadcaster.config_cache`).

    Every enabled account's adapter name is checked at construction (an unknown one is a
    ConfigError at once), but adapter code is imported and adapters are built only when
    ``adapters``, ``adapter_classes`` or ``workflow`` is first read, or when the directory needs
    an account's class: commands that only touch the store never import a channel's libraries.

    ``role`` names what the process does in its database connections (PostgreSQL
    ``application_name``): ``cli`` for a command, the ``--role`` list for ``broadcaster run``.
    """

    def __init__(self, settings: Settings, store: Store | None = None, role: str = "cli") -> None:
        self._settings: Settings | None = settings
        self._config_path: Path | None = None
        self._open(essentials_of(settings), store, role)

    @classmethod
    def from_config(cls, path: Path | None, role: str = "cli") -> App:
        """An App for the configuration file at ``path`` (and the environment), opened from
        the validated configuration's cached essentials when nothing it depends on changed
        (:mod:`broadcaster.config_cache`): a command that only touches the store then never
        imports pydantic. :attr:`settings` is validated in full on first use."""
        essentials, settings = load_essentials(path)
        app = cls.__new__(cls)
        app._settings = settings
        app._config_path = path
        app._open(essentials, None, role)
        return app

    def _open(self, essentials: Essentials, store: Store | None, role: str) -> None:
        self.essentials = essentials
        self.store = store or open_store(essentials.store.url, essentials.store, role=role)
        adapters = dict(essentials.accounts)
        for name, adapter in adapters.items():
            try:
                check_adapter_names([adapter])
            except ConfigError as exc:
                raise ConfigError(f"accounts.{name}.adapter: {exc}") from exc
        self._classes = _AdapterClasses(adapters)
        self.directory = Directory(self.store, self._classes)

    @property
    def settings(self) -> Settings:
        """The whole configuration (validated now when the App was opened from the cache: the
        same inputs validated a moment ago, so this does not fail for them)."""
        if self._settings is None:
            from .config import load_settings

            self._settings = load_settings(self._config_path)
        return self._settings

    @cached_property
    def adapter_classes(self) -> dict[str, type[Adapter]]:
        """Each enabled account's adapter class (imported now)."""
        return {name: self._classes[name] for name in self._classes}

    @cached_property
    def adapters(self) -> dict[str, Adapter]:
        """Each enabled account's adapter, constructed (not started)."""
        from .adapter import AdapterContext

        data_dir = self.settings.service.data_dir
        return {
            name: cls(
                AdapterContext(
                    name,
                    self.settings.accounts[name].settings(),
                    data_dir,
                    self.store,
                    public_url=self.settings.service.public_url,
                )
            )
            for name, cls in self.adapter_classes.items()
        }

    @cached_property
    def workflow(self) -> Workflow:
        """The verification workflow; polls are held to what every configured channel can send."""
        from .adapter import strictest_poll_limits
        from .announcements import Workflow

        poll_limits = strictest_poll_limits([a.limits for a in self.adapters.values()])
        return Workflow(self.store, self.settings.service.approvals_required, poll_limits)

    async def __aenter__(self) -> Self:
        await asyncio.to_thread(private_dir, self.essentials.data_dir)
        await self.store.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.store.close()


class _AdapterClasses(Mapping[str, "type[Adapter]"]):
    """Account name → adapter class, each class imported on first lookup (adding a group
    validates its address with its account's adapter only)."""

    def __init__(self, adapters: dict[str, str]) -> None:
        self._adapters = adapters
        self._loaded: dict[str, type[Adapter]] = {}

    def __getitem__(self, account: str) -> type[Adapter]:
        if account not in self._adapters:
            raise KeyError(account)
        if account not in self._loaded:
            from .adapter import adapter_class

            try:
                self._loaded[account] = adapter_class(self._adapters[account])
            except ConfigError as exc:
                raise ConfigError(f"accounts.{account}.adapter: {exc}") from exc
        return self._loaded[account]

    def __iter__(self) -> Iterator[str]:
        return iter(self._adapters)

    def __len__(self) -> int:
        return len(self._adapters)
