"""Store contract, part 2: what the dashboard and the JSON API need (login credentials, API
tokens). Kept apart from :mod:`.contract` so each concern stays small; :class:`~.contract.Store`
inherits it, so every engine implements it and the one contract suite covers it."""

from __future__ import annotations

from abc import ABC


class WebStore(ABC):  # noqa: B024 - the web methods are added with the dashboard (issue 5)
    """Credentials and API tokens (hashed at rest)."""
