"""Typer's coercion, built when a value needs it (broadcaster.cli.coercion): every parameter of
every command answers each value exactly as the runtime param Typer builds for it would."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer
from typer._coercion import build_runtime_param

from broadcaster.cli.coercion import DeferredParam, defer_coercion
from broadcaster.cli.main import app

#: values an operator may type: nothing, a word, numbers, a date, an enum member, a list item
VALUES: tuple[Any, ...] = (
    None,
    "admin",
    "bukan-nilai-[x]",
    "7",
    "-1",
    "0.5",
    "2026-12-06T08:00:00+07:00",
    "regency",
    "urgent",
    ("a", "b"),
    (),
    [],
)


def _commands(command: Any) -> Iterator[Any]:
    if hasattr(command, "list_commands"):
        ctx = command.context_class(command)
        for name in sorted(command.list_commands(ctx)):
            sub = command.get_command(ctx, name)
            if sub is not None:
                yield from _commands(sub)
    else:
        yield command


def _outcome(runtime: Any, value: Any, param: Any, ctx: Any) -> tuple[str, Any]:
    try:
        return "value", runtime.coerce(value, param=param, ctx=ctx)
    except Exception as exc:
        return type(exc).__name__, str(exc)


def test_every_parameter_answers_as_typers_own_coercion() -> None:
    root = typer.main.get_command(app)
    compared = 0
    for command in _commands(root):
        ctx = command.context_class(command)
        for param in command.params:
            descriptor = param.type_descriptor
            if descriptor.file_annotation is not None:
                continue  # coercing would open the file named by the value
            real = build_runtime_param(descriptor)
            deferred = DeferredParam(
                parameter_info=descriptor.parameter_info,
                annotation=descriptor.annotation,
                descriptor=descriptor,
            )
            for value in (*VALUES, param.default):  # its own default too, as click passes it
                expected = _outcome(real, value, param, ctx)
                assert _outcome(deferred, value, param, ctx) == expected, (
                    command.name,
                    param.name,
                    value,
                )
                compared += 1
    assert compared > 1000  # every command's parameters, each with every value


def test_a_value_left_out_builds_no_adapter_and_a_given_one_builds_it_once() -> None:
    root: Any = typer.main.get_command(app)
    defer_coercion(root)
    users = root.get_command(root.context_class(root), "users")
    command = users.get_command(users.context_class(users), "list")
    assert command is not None
    defer_coercion(command)
    config = next(p for p in command.params if p.name == "config")
    runtime = config._runtime_param
    assert isinstance(runtime, DeferredParam)
    ctx = command.context_class(command)
    assert config.process_value(ctx, None) is None
    assert runtime.built == []  # nothing to coerce: no TypeAdapter built
    first = config.process_value(ctx, "a.toml")
    assert str(first) == "a.toml"
    assert len(runtime.built) == 1
    config.process_value(ctx, "b.toml")
    assert len(runtime.built) == 1


def test_an_options_own_default_builds_no_adapter() -> None:
    root: Any = typer.main.get_command(app)
    hoaxes = root.get_command(root.context_class(root), "hoaxes")
    command = hoaxes.get_command(hoaxes.context_class(hoaxes), "list")
    defer_coercion(command)
    ctx = command.context_class(command)
    defaults = [p for p in command.params if isinstance(p.default, int | str) and p.default != ""]
    assert defaults, "hoaxes list has options with defaults (say --limit)"
    for param in defaults:
        assert param.process_value(ctx, param.default) == param.default
        assert param._runtime_param.built == []
    typed = defaults[0]
    typed.process_value(ctx, str(typed.default))  # typed on the command line: Typer coerces
    assert len(typed._runtime_param.built) == 1
