"""Running the ``broadcaster`` command tree: help printed as written, every error one line.

* Help text: Typer renders help with Rich markup, which swallows any ``[word]`` it takes for a
  style tag ("default [service] roles" printed as "default  roles"). :func:`literal_help`
  escapes every help text of the tree once, so square brackets print as written — for every
  command, plugins' too, and for help written later.
* Errors: a usage error (unknown option, a value of the wrong type or out of range), a refused
  action, an unreadable or malformed file: one ``error: …`` line on stderr and exit status 1,
  never a traceback. An unexpected error (a bug) is one line too, naming its type;
  ``BROADCASTER_TRACEBACK=1`` prints its traceback instead.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import typer
from rich.markup import escape

from ..errors import BroadcasterError
from .coercion import defer_coercion
from .common import err_console, error_text

#: set to 1 to see the traceback of an unexpected error (for a bug report)
TRACEBACK_ENV = "BROADCASTER_TRACEBACK"
_HELP_ATTRIBUTES = ("help", "short_help", "epilog")


def literal_help(command: Any) -> Any:
    """Escape Rich markup in the help texts of ``command`` (a click command built by Typer)
    and all its sub-commands (their own help and their parameters'), so every character
    prints as written. Idempotent: a command escaped once is left as it is."""
    if getattr(command, "_literal_help", False):
        return command
    command._literal_help = True
    for attribute in _HELP_ATTRIBUTES:
        text = getattr(command, attribute, None)
        if isinstance(text, str):
            setattr(command, attribute, escape(text))
    for param in getattr(command, "params", ()):
        text = getattr(param, "help", None)
        if isinstance(text, str):
            param.help = escape(text)
    commands = getattr(command, "commands", None)
    if isinstance(commands, dict):
        for sub in commands.values():
            literal_help(sub)
    return command


def _error(message: str) -> int:
    err_console.print(f"[bold red]error:[/] {escape(error_text(message))}", highlight=False)
    return 1


def run_cli(command: Any, argv: Sequence[str] | None = None) -> int:
    """Run ``command`` (``typer.main.get_command(app)``) with ``argv`` (default: the
    process's arguments); returns the exit status."""
    literal_help(command)
    defer_coercion(command)
    try:
        result = command.main(
            args=list(argv) if argv is not None else None,
            prog_name="broadcaster",
            standalone_mode=False,
        )
    except BroadcasterError as exc:
        return _error(str(exc))
    except OSError as exc:
        name = f"{exc.filename}: " if exc.filename else ""
        return _error(f"{name}{exc.strerror or exc}")
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        return _error("aborted")
    except Exception as exc:
        if _bad_content(exc):
            return _error(str(exc))
        return _click_error(exc)
    return result if isinstance(result, int) else 0


def _click_error(exc: Exception) -> int:
    """The exit status for an exception the command line itself raised: a usage or
    parameter error (Typer's click exceptions, told by their ``format_message``) is one line;
    anything else is a bug, one line naming it unless ``BROADCASTER_TRACEBACK`` is set."""
    if type(exc).__name__ == "NoArgsIsHelpError":
        # a command group given no sub-command: Typer printed its help already
        return 2
    format_message = getattr(exc, "format_message", None)
    if callable(format_message) and isinstance(getattr(exc, "exit_code", None), int):
        ctx = getattr(exc, "ctx", None)
        path = getattr(ctx, "command_path", None)
        where = f" (see '{path} --help')" if path else ""
        return _error(f"{format_message()}{where}")
    if os.environ.get(TRACEBACK_ENV, "").lower() in ("1", "true", "yes"):
        raise exc
    return _error(f"unexpected {type(exc).__name__}: {exc} (set {TRACEBACK_ENV}=1 to see where)")


# Errors of content files and schedule specs: bad input, one line. Their modules are looked up
# only when loaded (an exception of a class can only be raised once its module is imported), so
# store-only commands never import YAML or APScheduler for this check.
_CONTENT_ERRORS = (("content.loader", "LoaderError"), ("schedules.spec", "ScheduleError"))


def _bad_content(exc: Exception) -> bool:
    for module, name in _CONTENT_ERRORS:
        loaded = sys.modules.get(module)
        if loaded is not None and isinstance(exc, getattr(loaded, name)):
            return True
    return False
