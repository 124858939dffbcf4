from __future__ import annotations

from datetime import datetime

import pytest
from pydantic import ValidationError

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
from tests.content.factories import NOW, announcement_data, make_announcement


def test_priority_rank_orders_emergency_first() -> None:
    assert [p.rank for p in Priority] == [0, 1, 2]
    assert Priority.emergency.rank > Priority.urgent.rank > Priority.normal.rank
    assert sorted(Priority, key=lambda p: -p.rank)[0] is Priority.emergency
    assert Priority("urgent") is Priority.urgent
    assert Priority.urgent == "urgent"


def test_level_and_group_kind_vocabulary() -> None:
    assert [level.value for level in Level] == [
        "province",
        "regency",
        "district",
        "village",
        "rw",
        "rt",
    ]
    assert GROUP_KINDS == (
        "rt",
        "rw",
        "pkk",
        "majelis_taklim",
        "karang_taruna",
        "posyandu",
        "other",
    )


def test_models_are_frozen() -> None:
    a = make_announcement()
    with pytest.raises(ValidationError):
        a.priority = Priority.emergency  # type: ignore[misc]
    with pytest.raises(ValidationError):
        a.variants["id"].title = "diubah"  # type: ignore[misc]


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValidationError, match="status"):
        Announcement.model_validate(announcement_data(status="approved"))
    with pytest.raises(ValidationError, match="subtitle"):
        Variant.model_validate({"title": "a", "body": "b", "subtitle": "c"})


def test_naive_datetimes_are_a_shape_error() -> None:
    naive = datetime(2026, 1, 15, 18, 0)
    with pytest.raises(ValidationError, match="expires_at"):
        make_announcement(expires_at=naive)
    poll = announcement_data()["poll"] | {"closes_at": naive}
    with pytest.raises(ValidationError, match="closes_at"):
        make_announcement(poll=poll)


def test_enum_fields_reject_unknown_values() -> None:
    with pytest.raises(ValidationError, match="priority"):
        make_announcement(priority="critical")
    with pytest.raises(ValidationError, match="levels"):
        Target.model_validate({"regions": ["36"], "levels": ["kecamatan"]})


def test_content_problems_are_left_to_validate() -> None:
    # Empty title, unknown kind, missing "id", past expiry: all accepted by the model so that
    # validate() can report them together.
    a = make_announcement(
        variants={"en": {"title": " ", "body": ""}},
        target={"regions": [], "kinds": ["arisan"]},
        expires_at=NOW.replace(year=2000),
    )
    assert a.target.kinds == ["arisan"]
    assert "id" not in a.variants


def test_target_strips_whitespace_and_defaults_to_all() -> None:
    target = Target.model_validate(
        {"regions": [" 3671 ", "3671010001.RW003.RT001\t"], "exclude": [" 3671010 "]}
    )
    assert target.regions == ["3671", "3671010001.RW003.RT001"]
    assert target.exclude == ["3671010"]
    assert target.levels == [] and target.kinds == [] and target.channels == []


def test_poll_text_for_uses_translation_or_indonesian_base() -> None:
    poll = Poll(
        question="Apakah wilayah Anda tergenang air?",
        options=["Ya", "Tidak"],
        translations={
            "en": PollTranslation(question="Is your area flooded?", options=["Yes", "No"])
        },
    )
    assert poll.text_for("en") == ("Is your area flooded?", ["Yes", "No"])
    assert poll.text_for("id") == ("Apakah wilayah Anda tergenang air?", ["Ya", "Tidak"])
    assert poll.text_for("su") == ("Apakah wilayah Anda tergenang air?", ["Ya", "Tidak"])
    _, options = poll.text_for("id")
    options.append("Mungkin")
    assert poll.options == ["Ya", "Tidak"]  # the returned list is a copy


def test_poll_defaults() -> None:
    poll = Poll(question="q", options=["a", "b"])
    assert poll.multiple is False
    assert poll.anonymous is None
    assert poll.closes_at is None
    assert poll.translations == {}


def test_variant_falls_back_to_indonesian() -> None:
    a = make_announcement()
    assert a.variant("en").title == "Flood warning"
    assert a.variant("id").title == "Peringatan banjir"
    assert a.variant("jv").title == "Peringatan banjir"


def test_variant_without_indonesian_fallback_raises_key_error() -> None:
    a = make_announcement(variants={"en": {"title": "t", "body": "b"}})
    assert a.variant("en").title == "t"
    with pytest.raises(KeyError, match="'su'"):
        a.variant("su")


def test_languages_put_indonesian_first() -> None:
    variant = {"title": "t", "body": "b"}
    a = make_announcement(variants={"su": variant, "en": variant, "id": variant})
    assert a.languages == ["id", "en", "su"]


def test_defaults_of_announcement() -> None:
    a = Announcement.model_validate(
        {"variants": {"id": {"title": "t", "body": "b"}}, "target": {"regions": ["36"]}}
    )
    assert a.priority is Priority.normal
    assert a.poll is None and a.source is None and a.expires_at is None
