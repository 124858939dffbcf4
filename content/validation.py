"""Content rules for an announcement, reported all at once.

:func:`validate` never stops at the first problem: an officer fixing a draft sees every problem in
one pass. It returns an empty list for content that may be submitted for approval. The problems
come in a stable order: variants (Indonesian first), poll, dates, target, language codes.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from content.languages import is_language_code
from content.markup import parse
from content.model import BASE_LANGUAGE, GROUP_KINDS, Announcement, Poll, is_aware
from content.problems import Problem, make_problem

__all__ = ["PollLimits", "Problem", "validate"]


@dataclass(frozen=True)
class PollLimits:
    """Poll size limits. The core passes the strictest limits of the channels that will carry the
    announcement; the defaults are Telegram's ``sendPoll`` limits. Lengths count characters
    (Unicode code points) of the text with surrounding whitespace removed."""

    question_max: int = 300
    options_min: int = 2
    options_max: int = 12
    option_max: int = 100


def validate(a: Announcement, poll_limits: PollLimits, now: datetime) -> list[Problem]:
    """Every problem with ``a`` as of ``now``; an empty list means it may be submitted.

    ``now`` must be time-zone aware (``ValueError`` otherwise: that is a bug in the caller, not a
    problem with the content). A date exactly equal to ``now`` counts as already past.
    """
    if not is_aware(now):
        raise ValueError("validate() needs a time-zone-aware 'now'")
    problems: list[Problem] = []
    problems += _check_variants(a)
    if a.poll is not None:
        problems += _check_poll(a.poll, poll_limits)
    problems += _check_dates(a, now)
    problems += _check_target(a)
    problems += _check_languages(a)
    problems += _check_attachments(a)
    return problems


#: Telegram's caption limit, the strictest of the channels that show captions.
CAPTION_MAX = 1024
# an announcement is read in a chat: far longer than any real one (about five Telegram
# messages), and short enough that every channel can carry it (e-mail does not split)
BODY_MAX = 20_000


def _check_attachments(a: Announcement) -> list[Problem]:
    problems: list[Problem] = []
    for index, item in enumerate(a.attachments):
        where = f"attachments[{index}]"
        if not item.url.startswith("https://") or len(item.url) <= len("https://"):
            problems.append(make_problem("attachment_url", f"{where}.url", url=item.url))
        if len(item.caption) > CAPTION_MAX:
            problems.append(
                make_problem(
                    "attachment_caption_too_long",
                    f"{where}.caption",
                    length=len(item.caption),
                    limit=CAPTION_MAX,
                )
            )
    return problems


def _check_variants(a: Announcement) -> list[Problem]:
    problems: list[Problem] = []
    if BASE_LANGUAGE not in a.variants:
        problems.append(make_problem("variant_missing_id", "variants.id"))
    for lang in a.languages:
        variant = a.variants[lang]
        prefix = f"variants.{lang}"
        if not variant.title.strip():
            problems.append(make_problem("title_empty", f"{prefix}.title", language=lang))
        if not variant.body.strip():
            problems.append(make_problem("body_empty", f"{prefix}.body", language=lang))
        elif len(variant.body) > BODY_MAX:
            problems.append(
                make_problem(
                    "body_too_long",
                    f"{prefix}.body",
                    language=lang,
                    max=BODY_MAX,
                    count=len(variant.body),
                )
            )
        else:
            problems += parse(variant.body, field=f"{prefix}.body").problems
    return problems


def _check_poll(poll: Poll, limits: PollLimits) -> list[Problem]:
    problems = _check_poll_texts(poll.question, poll.options, limits, "poll", BASE_LANGUAGE)
    count = len(poll.options)
    if count < limits.options_min:
        problems.append(
            make_problem(
                "poll_options_too_few", "poll.options", min=limits.options_min, count=count
            )
        )
    if count > limits.options_max:
        problems.append(
            make_problem(
                "poll_options_too_many", "poll.options", max=limits.options_max, count=count
            )
        )
    for lang in sorted(poll.translations):
        translation = poll.translations[lang]
        prefix = f"poll.translations.{lang}"
        problems += _check_poll_texts(
            translation.question, translation.options, limits, prefix, lang
        )
        if len(translation.options) != count:
            problems.append(
                make_problem(
                    "poll_translation_option_count",
                    f"{prefix}.options",
                    language=lang,
                    count=len(translation.options),
                    expected=count,
                )
            )
    return problems


def _check_poll_texts(
    question: str, options: list[str], limits: PollLimits, prefix: str, lang: str
) -> list[Problem]:
    """Question and per-option checks, shared by the base poll and its translations."""
    problems: list[Problem] = []
    question_length = len(question.strip())
    if question_length == 0:
        problems.append(make_problem("poll_question_empty", f"{prefix}.question", language=lang))
    elif question_length > limits.question_max:
        problems.append(
            make_problem(
                "poll_question_too_long",
                f"{prefix}.question",
                language=lang,
                length=question_length,
                max=limits.question_max,
            )
        )
    first_seen: dict[str, int] = {}
    for index, option in enumerate(options):
        field = f"{prefix}.options[{index}]"
        length = len(option.strip())
        if length == 0:
            problems.append(
                make_problem("poll_option_empty", field, language=lang, number=index + 1)
            )
            continue
        if length > limits.option_max:
            problems.append(
                make_problem(
                    "poll_option_too_long",
                    field,
                    language=lang,
                    number=index + 1,
                    length=length,
                    max=limits.option_max,
                )
            )
        key = _option_key(option)
        if key in first_seen:
            problems.append(
                make_problem(
                    "poll_option_duplicate",
                    field,
                    language=lang,
                    number=index + 1,
                    first=first_seen[key] + 1,
                )
            )
        else:
            first_seen[key] = index
    return problems


def _option_key(option: str) -> str:
    # "Ya", "ya " and "YA" are the same answer to a resident, and a tally split across them would
    # be wrong; compare case-folded, NFC-normalised text with runs of whitespace collapsed.
    return " ".join(unicodedata.normalize("NFC", option).casefold().split())


def _check_dates(a: Announcement, now: datetime) -> list[Problem]:
    problems: list[Problem] = []
    closes_at = a.poll.closes_at if a.poll is not None else None
    if closes_at is not None and closes_at <= now:
        problems.append(make_problem("poll_closes_in_past", "poll.closes_at", when=closes_at))
    if a.expires_at is not None and a.expires_at <= now:
        problems.append(make_problem("expires_in_past", "expires_at", when=a.expires_at))
    if closes_at is not None and a.expires_at is not None and closes_at > a.expires_at:
        problems.append(
            make_problem(
                "poll_closes_after_expiry",
                "poll.closes_at",
                closes=closes_at,
                expires=a.expires_at,
            )
        )
    return problems


def _check_target(a: Announcement) -> list[Problem]:
    problems: list[Problem] = []
    regions = a.target.regions
    if not any(regions):
        problems.append(make_problem("target_regions_empty", "target.regions"))
    for index, region in enumerate(regions):
        if not region:
            problems.append(
                make_problem("target_region_blank", f"target.regions[{index}]", number=index + 1)
            )
    for index, kind in enumerate(a.target.kinds):
        if kind not in GROUP_KINDS:
            problems.append(
                make_problem(
                    "target_kind_unknown",
                    f"target.kinds[{index}]",
                    kind=kind,
                    known=", ".join(GROUP_KINDS),
                )
            )
    return problems


def _check_languages(a: Announcement) -> list[Problem]:
    problems: list[Problem] = []
    for lang in a.languages:
        if not is_language_code(lang):
            problems.append(make_problem("language_unknown", f"variants.{lang}", code=lang))
    if a.poll is not None:
        for lang in sorted(a.poll.translations):
            if not is_language_code(lang):
                problems.append(
                    make_problem("language_unknown", f"poll.translations.{lang}", code=lang)
                )
    return problems
