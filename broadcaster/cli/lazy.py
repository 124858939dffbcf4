"""Command groups imported only when a command line uses them.

``broadcaster users list`` must not pay for importing the announcement commands, the web app,
the adapters or a plugin's HTTP client: operators and scripts call store-only commands thousands
of times. So the root command knows its groups by name and import path, and imports one only when
it is invoked (or when ``--help`` lists them all). Groups contributed outside the core through the
entry-point group ``broadcaster.cli`` (such as ``broadcaster sandbox``) are found the same way:
their names come from the installed packages' metadata, their code is loaded on first use.
"""

from __future__ import annotations

import logging
from difflib import get_close_matches
from importlib import import_module
from importlib.metadata import entry_points
from typing import Any, ClassVar

import typer
from typer.core import TyperGroup
from typer.main import get_group

from .coercion import defer_coercion
from .entry import literal_help

PLUGIN_GROUP = "broadcaster.cli"
log = logging.getLogger(__name__)


class LazyGroup(TyperGroup):
    """A root command whose sub-groups are ``typer.Typer`` objects imported on first use.

    Subclasses set ``groups`` (name → ``"module:attribute"``, in the order ``--help`` lists
    them); plugins registered under :data:`PLUGIN_GROUP` follow the built-in groups.
    """

    groups: ClassVar[dict[str, str]] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._loaded: dict[str, TyperGroup | None] = {}

    def list_commands(self, ctx: Any) -> list[str]:
        names = [*super().list_commands(ctx), *self.groups]
        plugins = sorted({ep.name for ep in entry_points(group=PLUGIN_GROUP)} - set(names))
        return [*names, *plugins]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        if cmd_name not in self._loaded:
            self._loaded[cmd_name] = self._load(cmd_name)
        return self._loaded[cmd_name]

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            message = f"No such command {name!r}."
            matches = get_close_matches(name, self.list_commands(ctx))
            if matches and self.suggest_commands:
                suggestions = ", ".join(f"{m!r}" for m in matches)
                message = f"{message.rstrip('.')}. Did you mean {suggestions}?"
            ctx.fail(message)
        return super().resolve_command(ctx, args)

    def _load(self, name: str) -> TyperGroup | None:
        target = self.groups.get(name)
        if target is not None:
            module, _, attribute = target.partition(":")
            return self._group(name, getattr(import_module(module), attribute))
        for ep in entry_points(group=PLUGIN_GROUP, name=name):
            try:
                sub = ep.load()
            except Exception as exc:  # a broken plugin must not take the whole CLI down
                log.warning("CLI plugin %s not loaded: %s", ep.name, exc)
                return None
            if isinstance(sub, typer.Typer):
                return self._group(name, sub)
        return None

    @staticmethod
    def _group(name: str, sub: typer.Typer) -> TyperGroup:
        group = get_group(sub)
        group.name = name
        # help texts print as written (square brackets are not Rich markup), as for the root
        literal_help(group)
        # options left unset pass None through without building pydantic adapters
        defer_coercion(group)
        return group
