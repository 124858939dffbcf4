"""Announcement content for broadcaster: the model, its validation and canonical hash, the
verification workflow, the neutral markup and the people-facing strings.

Pure and synchronous; imports nothing else of broadcaster's. The only I/O is
:func:`content.loader.load_file`, which reads the file it is given.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from content.hashing import canonical_json, content_hash
    from content.i18n import format_datetime, t
    from content.loader import LoaderError, load_file, parse_announcement_text
    from content.markup import Document, ParseResult, parse, to_html, to_plain, to_whatsapp
    from content.model import (
        GROUP_KINDS,
        Announcement,
        Level,
        Poll,
        PollTranslation,
        Priority,
        Target,
        Variant,
    )
    from content.validation import PollLimits, Problem, validate
    from content.workflow import TRANSITIONS, Action, Status, allowed_actions, next_status

# Names are imported from their modules on first use (PEP 562), so importing one light module of
# this package (say, the model) does not import all of it.
_EXPORTS = {
    "canonical_json": "content.hashing",
    "content_hash": "content.hashing",
    "format_datetime": "content.i18n",
    "t": "content.i18n",
    "LoaderError": "content.loader",
    "load_file": "content.loader",
    "parse_announcement_text": "content.loader",
    "Document": "content.markup",
    "ParseResult": "content.markup",
    "parse": "content.markup",
    "to_html": "content.markup",
    "to_plain": "content.markup",
    "to_whatsapp": "content.markup",
    "GROUP_KINDS": "content.model",
    "Announcement": "content.model",
    "Level": "content.model",
    "Poll": "content.model",
    "PollTranslation": "content.model",
    "Priority": "content.model",
    "Target": "content.model",
    "Variant": "content.model",
    "PollLimits": "content.validation",
    "Problem": "content.validation",
    "validate": "content.validation",
    "TRANSITIONS": "content.workflow",
    "Action": "content.workflow",
    "Status": "content.workflow",
    "allowed_actions": "content.workflow",
    "next_status": "content.workflow",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "GROUP_KINDS",
    "TRANSITIONS",
    "Action",
    "Announcement",
    "Document",
    "Level",
    "LoaderError",
    "ParseResult",
    "Poll",
    "PollLimits",
    "PollTranslation",
    "Priority",
    "Problem",
    "Status",
    "Target",
    "Variant",
    "allowed_actions",
    "canonical_json",
    "content_hash",
    "format_datetime",
    "load_file",
    "next_status",
    "parse",
    "parse_announcement_text",
    "t",
    "to_html",
    "to_plain",
    "to_whatsapp",
    "validate",
]
