"""What a store-only command needs of a validated configuration, kept so that it need not import
pydantic again.

Validating config.toml means importing pydantic and building every section's model: about a
third of a ``broadcaster users list``. Commands that only touch the store need four things of the
result (:class:`Essentials`: the store's URL and pool options, the data directory, the enabled
accounts' adapters). After a full validation those are written to a small private cache file, keyed
by everything the validation read:

- the config file's path and exact bytes;
- every ``BROADCASTER_*`` environment variable (any case) and ``PYTHONTZPATH``;
- the interpreter, and the size and modification time of each source file that defines the
  validation (:data:`VALIDATING_MODULES`, and the pydantic packages).

When the key matches, the essentials are read back and pydantic is not imported; the full
:class:`~broadcaster.config.Settings` are still validated, on first use, by any command that
reads more (:attr:`broadcaster.app.App.settings`). When anything changed, the configuration is
validated as before: a broken file or variable is reported on every run, never cached.

The cache lives in ``$BROADCASTER_CONFIG_CACHE`` (``off`` disables it), else
``$XDG_CACHE_HOME/broadcaster/config``, else ``~/.cache/broadcaster/config``: one owner-only file
per key (a file or an environment switched back and forth is remembered both ways), the oldest
dropped beyond :data:`MAX_ENTRIES`. A store URL that carries a password is never written there
(such setups validate on every run). A cache that cannot be read or written is skipped
silently: it only ever saves time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from dataclasses import asdict, dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .files import FILE_MODE, private_dir

if TYPE_CHECKING:
    from .config import Settings

#: bump when the file's layout or what a key covers changes
FORMAT = 1
CACHE_ENV = "BROADCASTER_CONFIG_CACHE"
#: validated configurations remembered at once; writing one more drops the oldest
MAX_ENTRIES = 64

#: our modules whose code decides what a configuration validates to: :mod:`broadcaster.config`
#: and everything of ours it imports (tests/core/test_config_cache.py checks the list is whole)
VALIDATING_MODULES = (
    "broadcaster",
    "broadcaster.config",
    "broadcaster.bodylimit",
    "broadcaster.cap",
    "broadcaster.cap.settings",
    "broadcaster.cap.model",
    "broadcaster.errors",
    "broadcaster.oncall",
    "broadcaster.oncall.settings",
    "broadcaster.publicurl",
    "broadcaster.web",
    "broadcaster.web.settings",
    "schedules",
    "schedules.quiet",
    "schedules.zones",
)
#: the libraries that validate, and the time-zone database (a package's ``__init__`` is
#: rewritten by every release installed)
VALIDATING_PACKAGES = (
    "pydantic",
    "pydantic_core",
    "pydantic_settings",
    "annotated_types",
    "typing_extensions",
    "typing_inspection",
    "tzdata",
)


@dataclass(frozen=True, kw_only=True)
class StoreOptions:
    """``[store]`` as :func:`broadcaster.store.open_store` reads it."""

    url: str
    schema_name: str
    pool_min: int
    pool_max: int
    connect_timeout: float
    command_timeout: float
    retry_for: float


@dataclass(frozen=True, kw_only=True)
class Essentials:
    """What opening an :class:`~broadcaster.app.App` reads of the configuration."""

    store: StoreOptions
    data_dir: Path
    #: each enabled account's name and adapter name, in the file's order
    accounts: tuple[tuple[str, str], ...]


def essentials_of(settings: Settings) -> Essentials:
    s = settings.store
    return Essentials(
        store=StoreOptions(
            url=s.url,
            schema_name=s.schema_name,
            pool_min=s.pool_min,
            pool_max=s.pool_max,
            connect_timeout=s.connect_timeout,
            command_timeout=s.command_timeout,
            retry_for=s.retry_for,
        ),
        data_dir=settings.service.data_dir,
        accounts=tuple((n, a.adapter) for n, a in settings.accounts.items() if a.enabled),
    )


def load_essentials(path: Path | None) -> tuple[Essentials, Settings | None]:
    """The essentials of the configuration at ``path`` (and the environment), with the full
    settings when they had to be validated now (None when the cache answered). Raises what
    :func:`broadcaster.config.load_settings` raises, for the same inputs."""
    folder = cache_dir()
    entry = key = None
    if folder is not None:
        with contextlib.suppress(OSError):
            key = cache_key(path)
        if key is not None:
            entry = folder / f"{key}.json"
            cached = _read(entry, key)
            if cached is not None:
                return cached, None
    from .config import load_settings

    settings = load_settings(path)
    essentials = essentials_of(settings)
    if entry is not None and key is not None and not _has_password(essentials.store.url):
        # written only when the file validated is still the one the key was made from (an
        # editor may save it while the command runs)
        with contextlib.suppress(OSError):
            if cache_key(path) == key:
                _write(entry, key, essentials)
    return essentials, settings


def cache_dir() -> Path | None:
    """Where entries live; None when ``BROADCASTER_CONFIG_CACHE=off`` (or no home is known)."""
    chosen = os.environ.get(CACHE_ENV, "")
    if chosen.lower() == "off":
        return None
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not base:
        home = os.environ.get("HOME", "")
        if not home:
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "broadcaster" / "config"


def cache_key(
    path: Path | None,
    modules: tuple[str, ...] = VALIDATING_MODULES,
    packages: tuple[str, ...] = VALIDATING_PACKAGES,
) -> str:
    """A digest of every input of the validation (see the module's docstring). Raises OSError
    when the config file cannot be read (the full validation then reports it)."""
    digest = hashlib.sha256()
    parts: list[Any] = [FORMAT, sys.version, sys.prefix]
    if path is None:
        parts.append(None)
    else:
        parts.append(str(path.resolve()))
        parts.append(hashlib.sha256(path.read_bytes()).hexdigest())
    parts.append(
        sorted(
            (name, value)
            for name, value in os.environ.items()
            if name.lower().startswith("broadcaster_") or name == "PYTHONTZPATH"
        )
    )
    parts.append([_stamp(_module_file(name)) for name in modules])
    parts.append([_stamp(_package_file(name)) for name in packages])
    digest.update(json.dumps(parts).encode())
    return digest.hexdigest()


def _module_file(name: str) -> str | None:
    """The source file of one of our modules, found without importing it (finding a submodule's
    spec would import its parent packages, some of which are heavy)."""
    top, _, rest = name.partition(".")
    spec = find_spec(top)
    if spec is None:
        return None
    if not rest:
        return spec.origin
    if not spec.submodule_search_locations:
        return None
    base = Path(next(iter(spec.submodule_search_locations)), *rest.split("."))
    module = base.with_suffix(".py")
    return str(module if module.exists() else base / "__init__.py")


def _package_file(name: str) -> str | None:
    # find_spec of a top-level name searches the path without importing the package
    spec = find_spec(name)
    return spec.origin if spec is not None else None


def _stamp(file: str | None) -> list[Any]:
    if file is None:
        return [None]
    try:
        st = os.stat(file)
    except OSError:
        return [file, None]
    return [file, st.st_size, st.st_mtime_ns]


def _has_password(url: str) -> bool:
    try:
        return urlsplit(url).password is not None
    except ValueError:
        return True  # not a URL we can read: do not write it anywhere


def _read(entry: Path, key: str) -> Essentials | None:
    try:
        data = json.loads(entry.read_bytes())
        if not isinstance(data, dict) or data.get("key") != key:
            return None
        found = data["essentials"]
        return Essentials(
            store=StoreOptions(**found["store"]),
            data_dir=Path(found["data_dir"]),
            accounts=tuple((str(n), str(a)) for n, a in found["accounts"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing, unreadable, torn or from another layout: validate again


def _write(entry: Path, key: str, essentials: Essentials) -> None:
    body = {
        "key": key,
        "essentials": {
            "store": asdict(essentials.store),
            "data_dir": str(essentials.data_dir),
            "accounts": [list(pair) for pair in essentials.accounts],
        },
    }
    folder = entry.parent
    temporary = folder / f".{entry.name}.{os.getpid()}.tmp"
    try:
        private_dir(folder)
        temporary.unlink(missing_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(body, handle)
        # a reader sees the old entry or the new one, never half of one
        os.replace(temporary, entry)
        _prune(folder)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def _prune(folder: Path) -> None:
    entries = [p for p in folder.glob("*.json") if p.is_file()]
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort(key=lambda p: p.stat().st_mtime_ns)
    for old in entries[: len(entries) - MAX_ENTRIES]:
        with contextlib.suppress(OSError):
            old.unlink()


__all__ = [
    "CACHE_ENV",
    "MAX_ENTRIES",
    "VALIDATING_MODULES",
    "Essentials",
    "StoreOptions",
    "cache_dir",
    "cache_key",
    "essentials_of",
    "load_essentials",
]
