"""Announcement content for broadcaster: the model, its validation and canonical hash, the
verification workflow, the neutral markup and the people-facing strings.

Pure and synchronous; imports nothing else of broadcaster's. The only I/O is
:func:`content.loader.load_file`, which reads the file it is given.
"""

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
