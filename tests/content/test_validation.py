from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from content.model import Announcement
from content.validation import BODY_MAX, PollLimits, Problem, validate
from tests.content.factories import NOW, announcement_data, make_announcement

LIMITS = PollLimits()


def problems_of(**overrides: Any) -> list[Problem]:
    return validate(make_announcement(**overrides), LIMITS, NOW)


def pairs(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(p.code, p.field) for p in problems]


def poll_with(**changes: Any) -> dict[str, Any]:
    poll: dict[str, Any] = announcement_data()["poll"]
    poll.update(changes)
    return poll


def test_valid_announcement_has_no_problems() -> None:
    assert problems_of() == []


def test_poll_limits_defaults_are_telegrams() -> None:
    assert (LIMITS.question_max, LIMITS.options_min, LIMITS.options_max, LIMITS.option_max) == (
        300,
        2,
        12,
        100,
    )


def test_five_distinct_problems_are_reported_at_once() -> None:
    problems = problems_of(
        variants={"id": {"title": "  ", "body": "Lihat ![peta](https://x.id/p.png)"}},
        poll=poll_with(options=["Ya"], translations={}, closes_at=None),
        expires_at=NOW - timedelta(hours=1),
        target={"regions": ["3673"], "kinds": ["arisan"]},
    )
    assert pairs(problems) == [
        ("title_empty", "variants.id.title"),
        ("markup_image", "variants.id.body"),
        ("poll_options_too_few", "poll.options"),
        ("expires_in_past", "expires_at"),
        ("target_kind_unknown", "target.kinds[0]"),
    ]
    for problem in problems:
        assert problem.message_id and problem.message_en
        assert problem.message_id != problem.message_en


def test_missing_indonesian_variant_and_empty_texts() -> None:
    problems = problems_of(variants={"en": {"title": "", "body": " \n\t"}})
    assert pairs(problems) == [
        ("variant_missing_id", "variants.id"),
        ("title_empty", "variants.en.title"),
        ("body_empty", "variants.en.body"),
    ]
    assert "(en)" in problems[2].message_id


def test_markup_problems_are_reported_per_variant() -> None:
    problems = problems_of(
        variants={
            "id": {"title": "t", "body": "<b>tebal</b>"},
            "en": {"title": "t", "body": "ok\n\n[x](javascript:void(0))"},
        }
    )
    assert pairs(problems) == [
        ("markup_html", "variants.id.body"),
        ("markup_link", "variants.en.body"),
    ]
    assert problems[1].message_en.startswith("Line 3:")


def test_poll_question_problems() -> None:
    assert pairs(problems_of(poll=poll_with(question=" "))) == [
        ("poll_question_empty", "poll.question")
    ]
    problems = problems_of(poll=poll_with(question="?" * 301))
    assert pairs(problems) == [("poll_question_too_long", "poll.question")]
    assert "301" in problems[0].message_id and "300" in problems[0].message_en
    assert problems_of(poll=poll_with(question="?" * 300)) == []


def test_poll_option_count_limits() -> None:
    many = [f"Pilihan {n}" for n in range(13)]
    assert pairs(problems_of(poll=poll_with(options=many, translations={}))) == [
        ("poll_options_too_many", "poll.options")
    ]
    assert problems_of(poll=poll_with(options=many[:12], translations={})) == []


def test_poll_option_problems_point_at_the_option() -> None:
    options = ["Ya", "Tidak", "", "x" * 101, " ya  ", "Mungkin"]
    problems = problems_of(poll=poll_with(options=options, translations={}))
    assert pairs(problems) == [
        ("poll_option_empty", "poll.options[2]"),
        ("poll_option_too_long", "poll.options[3]"),
        ("poll_option_duplicate", "poll.options[4]"),
    ]
    assert problems[2].message_id == "Pilihan ke-5 (id) sama dengan pilihan ke-1."
    assert problems[2].message_en == "Option 5 (id) is the same as option 1."


def test_duplicates_compare_unicode_normalised_and_case_folded() -> None:
    problems = problems_of(poll=poll_with(options=["Caf\u00e9", "CAFE\u0301"], translations={}))
    assert pairs(problems) == [("poll_option_duplicate", "poll.options[1]")]


def test_stricter_limits_from_the_core_apply() -> None:
    whatsapp_buttons = PollLimits(options_max=3, option_max=20)
    a = make_announcement(poll=poll_with(options=["a", "b", "c", "d"], translations={}))
    assert pairs(validate(a, whatsapp_buttons, NOW)) == [("poll_options_too_many", "poll.options")]
    a = make_announcement(poll=poll_with(options=["a" * 21, "b"], translations={}))
    assert pairs(validate(a, whatsapp_buttons, NOW)) == [
        ("poll_option_too_long", "poll.options[0]")
    ]


def test_translation_problems() -> None:
    translations = {
        "en": {"question": "", "options": ["Yes", "yes", "No"]},
        "su": {"question": "Naha banjir?", "options": ["Enya", "Henteu"]},
    }
    problems = problems_of(poll=poll_with(translations=translations))
    assert pairs(problems) == [
        ("poll_question_empty", "poll.translations.en.question"),
        ("poll_option_duplicate", "poll.translations.en.options[1]"),
        ("poll_translation_option_count", "poll.translations.en.options"),
    ]
    assert "3" in problems[2].message_en and "2" in problems[2].message_en


def test_dates_in_the_past_and_poll_closing_after_expiry() -> None:
    assert pairs(problems_of(poll=poll_with(closes_at=NOW))) == [
        ("poll_closes_in_past", "poll.closes_at")
    ]
    problems = problems_of(poll=poll_with(closes_at=NOW + timedelta(days=3)))
    assert pairs(problems) == [("poll_closes_after_expiry", "poll.closes_at")]
    assert "WIB" in problems[0].message_id
    assert problems_of(poll=poll_with(closes_at=None), expires_at=None) == []


def test_past_check_is_independent_of_time_zone() -> None:
    now_utc = NOW.astimezone(UTC)
    a = make_announcement(expires_at=NOW + timedelta(minutes=1), poll=None)
    assert validate(a, LIMITS, now_utc) == []
    assert pairs(validate(a, LIMITS, NOW + timedelta(minutes=1))) == [
        ("expires_in_past", "expires_at")
    ]


def test_target_problems() -> None:
    assert pairs(problems_of(target={"regions": []})) == [
        ("target_regions_empty", "target.regions")
    ]
    assert pairs(problems_of(target={"regions": ["3673", "  "]})) == [
        ("target_region_blank", "target.regions[1]")
    ]
    problems = problems_of(target={"regions": ["36"], "kinds": ["rt", "RT", "arisan"]})
    assert pairs(problems) == [
        ("target_kind_unknown", "target.kinds[1]"),
        ("target_kind_unknown", "target.kinds[2]"),
    ]
    assert "majelis_taklim" in problems[0].message_id


def test_unknown_language_codes() -> None:
    variant = {"title": "t", "body": "b"}
    problems = problems_of(
        variants={"id": variant, "su": variant, "xx": variant, "ENG": variant},
        poll=poll_with(translations={"zz": {"question": "q", "options": ["a", "b"]}}),
    )
    assert pairs(problems) == [
        ("language_unknown", "variants.ENG"),
        ("language_unknown", "variants.xx"),
        ("language_unknown", "poll.translations.zz"),
    ]


def test_announcement_without_poll_is_valid() -> None:
    a = Announcement.model_validate(announcement_data(poll=None))
    assert validate(a, LIMITS, NOW) == []


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        validate(make_announcement(), LIMITS, datetime(2026, 1, 14, 8, 0))


def test_a_body_longer_than_body_max_is_a_problem_and_one_at_the_limit_is_not() -> None:
    at_limit = "a" * BODY_MAX
    assert problems_of(variants={"id": {"title": "Judul", "body": at_limit}}) == []
    found = problems_of(variants={"id": {"title": "Judul", "body": at_limit + "a"}})
    assert pairs(found) == [("body_too_long", "variants.id.body")]
    assert str(BODY_MAX) in found[0].message_id and str(BODY_MAX + 1) in found[0].message_en
