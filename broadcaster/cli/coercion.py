"""Typer's value coercion, built when a value needs it.

Typer (0.29 and later) coerces each parameter's value with a pydantic ``TypeAdapter`` that it
builds on first use, also to turn an option that was not given (``None``) into ``None``. So a
command given only its defaults, say ``broadcaster users list`` with its ``--config`` option
unset, imports pydantic and builds a schema just to pass ``None`` through: a fifth of the
command's time. :func:`defer_coercion` gives every parameter of a command tree a runtime param
that answers ``None`` the way Typer's own does (:meth:`typer._coercion.RuntimeParam.coerce`,
inherited unchanged), passes a parameter's own plain default (an ``int`` 50 for an ``int``
option, an Enum member for its Enum, no values of a repeatable option) through as Typer's
adapter would, and hands any other value to the runtime param Typer builds for it, built then.
Values, messages and errors are Typer's own.

Should a later Typer not have this hook, the tree is left as Typer built it (only slower).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

try:
    from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
except ImportError:  # a Typer without lazily built runtime params: nothing to defer
    RuntimeParam = None  # type: ignore[assignment,misc]


if RuntimeParam is not None:

    @dataclass(frozen=True)
    class DeferredParam(RuntimeParam):
        """``None`` answered by :meth:`RuntimeParam.coerce` itself, a value Typer's adapter
        would return as it is returned as it is; any other value coerced by the runtime param
        Typer builds for ``descriptor`` (once, on the first such value)."""

        descriptor: TypeDescriptor
        built: list[RuntimeParam] = field(default_factory=list)

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if value in ((), []) and _plain_list(self.descriptor):
                return []  # a repeatable option given no value
            if _own_plain_default(value, self.descriptor):
                return value
            if not self.built:
                self.built.append(build_runtime_param(self.descriptor))
            return self.built[0]._coerce_value(value, param=param, ctx=ctx)


def _plain_list(descriptor: Any) -> bool:
    """A repeatable option without a parser: Typer turns no values into an empty list."""
    return bool(descriptor.is_list) and descriptor.parameter_info.parser is None


def _own_plain_default(value: Any, descriptor: Any) -> bool:
    """``value`` is the parameter's own default, of exactly its plain type (str, int, float or
    the Enum it names), with nothing that would change or refuse it (no parser; within its
    ``min``/``max``): Typer's coercion gives it back as it is. tests/core/test_cli_coercion.py
    checks both passes for every parameter."""
    info = descriptor.parameter_info
    annotation = descriptor.annotation
    if value is not info.default or type(value) is not annotation or info.parser is not None:
        return False
    if annotation in (int, float):
        # out of its range, Typer refuses or clamps it
        return (info.min is None or value >= info.min) and (info.max is None or value <= info.max)
    plain = annotation is str or issubclass(annotation, Enum)
    return plain and info.min is None and info.max is None


def defer_coercion(command: Any) -> Any:
    """Give the parameters of ``command`` (a click command built by Typer) and of all its
    sub-commands, their ``--help`` options included, a :class:`DeferredParam`. Idempotent;
    parameters whose runtime param Typer has built already keep it."""
    if RuntimeParam is None or getattr(command, "_deferred_coercion", False):
        return command
    command._deferred_coercion = True
    for param in getattr(command, "params", ()):
        _defer(param)
    help_option = getattr(command, "get_help_option", None)
    if callable(help_option):
        # click makes each command's --help option on first use, for the context it runs in
        def get_help_option(ctx: Any) -> Any:
            option = help_option(ctx)
            if option is not None:
                _defer(option)
            return option

        command.get_help_option = get_help_option
    commands = getattr(command, "commands", None)
    if isinstance(commands, dict):
        for sub in commands.values():
            defer_coercion(sub)
    return command


def _defer(param: Any) -> None:
    descriptor = getattr(param, "type_descriptor", None)
    if isinstance(descriptor, TypeDescriptor) and getattr(param, "_runtime_param", 0) is None:
        param._runtime_param = DeferredParam(
            parameter_info=descriptor.parameter_info,
            annotation=descriptor.annotation,
            descriptor=descriptor,
        )
