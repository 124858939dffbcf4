"""The one shape in which the content package reports something wrong with an announcement.

Lives in its own module because both :mod:`content.markup` (which finds markup problems) and
:mod:`content.validation` (which collects every problem) need it; ``content.validation``
re-exports it as the public name.
"""

from __future__ import annotations

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


def make_problem(code: str, field: str, /, **params: object) -> Problem:
    """A :class:`Problem` whose messages come from the i18n key ``problem.<code>``."""
    key = f"problem.{code}"
    return Problem(
        code=code,
        field=field,
        message_id=t(key, "id", **params),
        message_en=t(key, "en", **params),
    )
