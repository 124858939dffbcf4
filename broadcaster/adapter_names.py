"""Which channel adapters are installed, by name, read from package metadata only.

Adapters register under the entry-point group ``broadcaster.adapters`` (the built-ins too, so a
third party can ship one). Checking that a configured name exists must not import any adapter's
code: every command checks the config, and most never send anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from importlib.metadata import PackageNotFoundError, distribution, entry_points

from .errors import AdapterNotFound

ENTRY_POINT_GROUP = "broadcaster.adapters"
#: this project's own distribution: reading its metadata alone is much cheaper than scanning
#: every installed package's, and it registers the built-in adapters
DISTRIBUTION = "broadcaster"


def registered_adapters() -> list[str]:
    """Every name registered under the entry-point group (all installed packages), sorted."""
    return sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})


def check_adapter_names(names: Iterable[str]) -> None:
    """Raise AdapterNotFound, listing the known names, for the first of ``names`` that no
    installed package registers. Names this project registers itself are found without scanning
    the other packages."""
    wanted = list(names)
    missing = [name for name in wanted if name not in _built_in()]
    if missing:
        known = registered_adapters()
        for name in missing:
            if name not in known:
                raise unknown_adapter(name, known)


def unknown_adapter(name: str, known: Sequence[str]) -> AdapterNotFound:
    return AdapterNotFound(f"unknown adapter {name!r}; known adapters: {', '.join(known)}")


def _built_in() -> set[str]:
    try:
        eps = distribution(DISTRIBUTION).entry_points
    except PackageNotFoundError:
        return set()
    return {ep.name for ep in eps if ep.group == ENTRY_POINT_GROUP}
