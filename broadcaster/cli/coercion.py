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
        would return as it is (:func:`_passes_through`) returned; any other value coerced by the
        runtime param Typer builds for ``descriptor`` (once, on the first such value)."""

        descriptor: TypeDescriptor
        built: list[RuntimeParam] = field(default_factory=list)

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if _passes_through(value, self.descriptor):
                return [] if value in ((), []) else value
            if not self.built:
                self.built.append(build_runtime_param(self.descriptor))
            return self.built[0]._coerce_value(value, param=param, ctx=ctx)


def _passes_through(value: Any, descriptor: Any) -> bool:
    """Typer's coercion would give ``value`` back as it is (an empty one as a list): no values
    of a repeatable option, or the parameter's own default of exactly its plain type (str, int,
    float or the Enum it names) with nothing that would change or refuse it (no parser; within
    its ``min``/``max``). tests/core/test_cli_coercion.py checks this for every parameter."""
    info = descriptor.parameter_info
    annotation = descriptor.annotation
    if value in ((), []) and descriptor.is_list and info.parser is None:
        return True  # a repeatable option given no value: an empty list (returned as one)
    if value is not info.default or type(value) is not annotation:
        return False
    if info.parser is not None:
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
