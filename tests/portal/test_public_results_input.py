"""``public_results``: one announcement field, given in files, the editor, the CLI and the API
(the API takes the content model as is), and part of the approved hash only when true."""

from __future__ import annotations

from broadcaster.cli.announcements import _from_flags
from broadcaster.web.forms import content_from_form, form_from_content
from content.hashing import canonical_json, content_hash
from content.loader import parse_announcement_text
from content.model import Announcement, Priority
from tests.content.factories import make_announcement

FILE = """---
title: Survei banjir
target: {regions: ["3673"]}
poll: {question: "Tergenang?", options: [Ya, Tidak]}
public_results: true
---
Mohon isi survei.
"""


def test_hash_changes_only_when_results_are_published() -> None:
    private = make_announcement()
    public = make_announcement(public_results=True)
    # content approved before the field existed keeps its hash: the key is left out
    assert b"public_results" not in canonical_json(private)
    assert b'"public_results":true' in canonical_json(public)
    assert content_hash(private) != content_hash(public)


def test_file_front_matter() -> None:
    assert parse_announcement_text(FILE).public_results is True
    assert (
        parse_announcement_text(FILE.replace("public_results: true\n", "")).public_results is False
    )


def test_editor_round_trip_and_no_poll_no_results() -> None:
    content = make_announcement(public_results=True)
    form = form_from_content(content, "Asia/Jakarta")
    assert form["public_results"] is True
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    fields["public_results"] = "1"
    lists = {k: v for k, v in form.items() if isinstance(v, list)}
    rebuilt = content_from_form(fields, lists, "Asia/Jakarta")
    assert rebuilt.public_results is True
    fields["poll_question"] = ""
    assert content_from_form(fields, lists, "Asia/Jakarta").public_results is False


def test_cli_flag() -> None:
    def flags(question: str | None, options: list[str], public: bool) -> Announcement:
        return _from_flags(
            None, "Survei", "Isi.", ["3673"], [], [], [], [], Priority.normal,
            None, None, question, options, False, public,
        )  # fmt: skip

    assert flags("Tergenang?", ["Ya", "Tidak"], True).public_results is True
    assert flags(None, [], True).public_results is False  # nothing to publish without a poll
