"""``Target.reached_by`` (the cancellation notice's target form): it keeps the hash of content
without it, changes the hash when set, and survives an edit in the dashboard's editor."""

from __future__ import annotations

from broadcaster.web.forms import content_from_form, form_from_content
from content.hashing import canonical_json, content_hash
from content.model import Announcement, Target, Variant


def _content(**target: object) -> Announcement:
    return Announcement(
        variants={"id": Variant(title="DIBATALKAN: Hujan lebat", body="Peringatan dicabut.")},
        target=Target.model_validate({"regions": ["3673"], **target}),
    )


def test_content_without_it_keeps_its_hash() -> None:
    assert b"reached_by" not in canonical_json(_content())
    assert content_hash(_content()) == content_hash(_content(reached_by=[]))
    with_it = _content(reached_by=[7, 3, 7])
    assert content_hash(with_it) != content_hash(_content())
    assert content_hash(with_it) == content_hash(_content(reached_by=[3, 7]))  # a set


def test_the_editor_keeps_it_through_an_edit() -> None:
    notice = _content(reached_by=[12, 15])
    form = form_from_content(notice, "Asia/Jakarta")
    assert form["reached_by"] == "12 15"
    lists = {k: form[k] for k in ("kinds", "channels", "levels")}
    again = content_from_form(form, lists, "Asia/Jakarta")
    assert again.target.reached_by == [12, 15]
    assert content_hash(again) == content_hash(notice)


def test_dispatch_ids_must_be_database_ids() -> None:
    import pytest
    from pydantic import ValidationError

    for bad in ([0], [-3], [2**70]):
        with pytest.raises(ValidationError):
            _content(reached_by=bad)
