"""The one shape in which the content package reports something wrong with an announcement.

Lives in its own module because both :mod:`content.markup` (which finds markup problems) and
:mod:`content.validation` (which collects every problem) need it; ``content.validation``
re-exports it as the public name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from content.i18n import t

__all__ = ["Problem", "make_problem"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an announcement.

    ``code`` is stable and meant for programs (tests, the dashboard's highlighting); ``field`` is
    the dotted path of the offending value, such as ``variants.id.body`` or ``poll.options[3]``
    (indices count from 0); ``message_id`` and ``message_en`` say it to a person, in Bahasa
    Indonesia and English.
    """

    code: str
    field: str
    message_id: str
    message_en: str


#: how many further lines a problem names before it only counts the rest
ALSO_LINES_SHOWN = 5


def make_problem(
    code: str, field: str, /, *, also: Sequence[int] = (), **params: object
) -> Problem:
    """A :class:`Problem` whose messages come from the i18n key ``problem.<code>``. ``also``:
    further lines the same cause occurs on (named in the message, the first few by number)."""
    key = f"problem.{code}"
    message_id, message_en = t(key, "id", **params), t(key, "en", **params)
    if also:
        shown = ", ".join(str(line) for line in also[:ALSO_LINES_SHOWN])
        more = len(also) - ALSO_LINES_SHOWN
        extra_id = t("problem.also_lines", "id", lines=shown)
        extra_en = t("problem.also_lines", "en", lines=shown)
        if more > 0:
            extra_id += t("problem.also_more", "id", count=more)
            extra_en += t("problem.also_more", "en", count=more)
        message_id, message_en = f"{message_id} {extra_id}.", f"{message_en} {extra_en}."
    return Problem(code=code, field=field, message_id=message_id, message_en=message_en)
