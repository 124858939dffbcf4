from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from content.loader import LoaderError, load_file, parse_announcement_text
from content.model import Level, Priority

MINIMAL = """\
---
title: Posyandu bulan ini
target:
  regions: ["3671010001"]
---
Jadwal posyandu: **Sabtu** pukul 08.00.
"""


TARGET = "target: {regions: ['36']}\n"


def front(lines: str, body: str = "Isi.") -> str:
    return f"---\n{lines}---\n{body}\n"


def test_minimal_file() -> None:
    a = parse_announcement_text(MINIMAL)
    assert list(a.variants) == ["id"]
    assert a.variants["id"].title == "Posyandu bulan ini"
    assert a.variants["id"].body == "Jadwal posyandu: **Sabtu** pukul 08.00."
    assert a.target.regions == ["3671010001"]
    assert a.priority is Priority.normal and a.poll is None and a.expires_at is None


def test_all_keys() -> None:
    text = front(
        "title: Vaksinasi\n"
        "priority: emergency\n"
        "source: Kemenkes\n"
        "expires_at: 2026-02-01T17:00:00+07:00\n"
        "target:\n"
        "  regions: ['36']\n"
        "  levels: [rt]\n"
        "  kinds: [posyandu, pkk]\n"
        "  channels: [whatsapp]\n"
        "  exclude: ['3601']\n"
        "poll:\n"
        "  question: Sudah divaksin?\n"
        "  options: [Sudah, Belum]\n"
        "  multiple: true\n"
        "  anonymous: false\n"
        "  closes_at: '2026-01-31T10:00:00Z'\n"
        "  translations:\n"
        "    en: {question: 'Vaccinated?', options: [Yes, No]}\n"
    )
    a = parse_announcement_text(text)
    assert a.priority is Priority.emergency
    assert a.source == "Kemenkes"
    assert a.expires_at == datetime(2026, 2, 1, 10, 0, tzinfo=UTC)
    assert a.target.levels == [Level.rt]
    assert a.target.kinds == ["posyandu", "pkk"]
    assert a.target.channels == ["whatsapp"] and a.target.exclude == ["3601"]
    assert a.poll is not None
    assert a.poll.multiple is True and a.poll.anonymous is False
    assert a.poll.closes_at == datetime(2026, 1, 31, 10, 0, tzinfo=UTC)
    # "Yes"/"No" stay text: only true/false are booleans in front matter.
    assert a.poll.text_for("en") == ("Vaccinated?", ["Yes", "No"])


def test_english_from_separator_and_title_en() -> None:
    text = front(
        "title: Banjir\ntitle_en: Flood\ntarget: {regions: ['36']}\n",
        body="Waspada banjir.  \nBaris dua.\n\n<!-- lang: en -->\n\nBeware of floods.\n",
    )
    a = parse_announcement_text(text)
    assert a.variants["id"].body == "Waspada banjir.  \nBaris dua."  # hard break kept
    assert a.variants["en"].title == "Flood"
    assert a.variants["en"].body == "Beware of floods."


def test_english_from_front_matter_section() -> None:
    text = front("title: Banjir\nen:\n  title: Flood\n  body: Beware.\ntarget: {regions: ['36']}\n")
    a = parse_announcement_text(text)
    assert a.variant("en").title == "Flood" and a.variant("en").body == "Beware."


def test_other_two_letter_languages_are_loaded() -> None:
    text = front(
        "title: Banjir\ntitle_su: Caah\ntarget: {regions: ['36']}\n",
        body="Waspada.\n<!-- lang: su -->\nAwas caah.",
    )
    assert parse_announcement_text(text).variants["su"].body == "Awas caah."


def test_crlf_and_bom_are_accepted() -> None:
    a = parse_announcement_text("\ufeff" + MINIMAL.replace("\n", "\r\n"))
    assert a.variants["id"].body == "Jadwal posyandu: **Sabtu** pukul 08.00."


def test_yaml_timestamps_with_offset_are_accepted() -> None:
    text = front("title: t\nexpires_at: 2026-01-17T18:00:00+07:00\ntarget: {regions: ['36']}\n")
    expires = parse_announcement_text(text).expires_at
    assert expires is not None and expires.utcoffset() == timedelta(hours=7)


def test_empty_datetime_means_none() -> None:
    text = front(
        f"title: t\nexpires_at:\npoll: {{question: q, options: [a, b], closes_at: ~}}\n{TARGET}"
    )
    a = parse_announcement_text(text)
    assert a.expires_at is None
    assert a.poll is not None and a.poll.closes_at is None


def test_empty_title_is_left_to_the_validator() -> None:
    a = parse_announcement_text(front("title: ''\ntarget: {regions: []}\n", body=""))
    assert a.variants["id"].title == "" and a.variants["id"].body == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title: t\n---\n", "must start with a '---'"),
        ("---\ntitle: t\n", "never closed"),
        (front(f"title: t\n{TARGET}color: red\n"), "unknown front-matter key 'color'"),
        (front("title: t\ntarget: {regions: ['36'], wards: [1]}\n"), "unknown key 'wards'"),
        (front(f"title: t\n{TARGET}poll: {{question: q, choices: []}}\n"), "'choices' in 'poll'"),
        (front(TARGET), "no 'title'"),
        (front("title: t\n"), "no 'target'"),
        (front("title: t\ntarget: ['36']\n"), "'target' must be a mapping"),
        (front("- just\n- a list\n"), "must be a mapping"),
        (front(f"title: t\ntitle: u\n{TARGET}"), "line 3: .*'title' is given twice"),
        (front("title: t\n  bad: indent\ntarget: x\n"), "line 3: front matter is not valid YAML"),
        (front(f"title: t\nid: {{title: x}}\n{TARGET}"), "unknown front-matter key 'id'"),
        (front(f"title: t\ntitle_id: x\n{TARGET}"), "unknown front-matter key 'title_id'"),
        (front(f"title: t\npriority: critical\n{TARGET}"), "priority: Input should be"),
        (front(f"title: 2026\n{TARGET}"), "^title: Input should be a valid string"),
        (
            front(f"title: t\n{TARGET}poll: {{question: q, options: [Ya, 2]}}\n"),
            r"poll\.options\[1\]",
        ),
        (front(f"title: t\nen: {{title: 5, body: b}}\n{TARGET}"), r"^en\.title: "),
    ],
)
def test_malformed_files_raise_loader_error(text: str, message: str) -> None:
    with pytest.raises(LoaderError, match=message):
        parse_announcement_text(text)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-01-17T18:00:00", "has no time zone"),
        ("'2026-01-17 18:00'", "has no time zone"),
        ("2026-01-17", "has no time"),
        ("besok pagi", "'besok pagi' is not an ISO 8601 date and time"),
        ("17", "expected a date and time"),
    ],
)
def test_bad_dates_are_refused_with_the_key(value: str, message: str) -> None:
    text = front(f"title: t\nexpires_at: {value}\ntarget: {{regions: ['36']}}\n")
    with pytest.raises(LoaderError, match=f"expires_at: .*{message}|expires_at: {message}"):
        parse_announcement_text(text)
    poll = f"poll: {{question: q, options: [a, b], closes_at: {value}}}\n"
    with pytest.raises(LoaderError, match=r"poll\.closes_at: "):
        parse_announcement_text(front(f"title: t\n{poll}target: {{regions: ['36']}}\n"))


@pytest.mark.parametrize(
    ("lines", "body", "message"),
    [
        ("title_en: E\n", "x", "'en' version has no body"),
        ("", "x\n<!-- lang: en -->\ny", "'en' version has no title"),
        ("title_en: E\nen: {title: F, body: b}\n", "x", "'en' title is given twice"),
        ("en: {title: F, body: b}\n", "x\n<!-- lang: en -->\ny", "'en' body is given twice"),
        ("title_en: E\n", "x\n<!-- lang: en -->\ny\n<!-- lang: en -->\nz", "line 9: a second"),
        ("", "x\n<!-- lang: id -->\ny", "line 6: .*must name a two-letter"),
        ("", "x\n<!-- lang: EN -->\ny", "must name a two-letter"),
    ],
)
def test_language_section_errors(lines: str, body: str, message: str) -> None:
    text = front(f"title: t\n{lines}target: {{regions: ['36']}}\n", body=body)
    with pytest.raises(LoaderError, match=message):
        parse_announcement_text(text)


def test_load_file_reads_path_and_prefixes_errors(tmp_path: Path) -> None:
    good = tmp_path / "posyandu.md"
    good.write_text(MINIMAL, encoding="utf-8")
    assert load_file(good).variants["id"].title == "Posyandu bulan ini"
    assert load_file(str(good)) == load_file(good)

    bad = tmp_path / "rusak.md"
    bad.write_text(front("title: t\n"), encoding="utf-8")
    with pytest.raises(LoaderError, match=r"rusak\.md: the front matter has no 'target'"):
        load_file(bad)

    latin1 = tmp_path / "latin1.md"
    latin1.write_bytes(MINIMAL.replace("bulan", "b\xfblan").encode("latin-1"))
    with pytest.raises(LoaderError, match="not valid UTF-8"):
        load_file(latin1)


def test_loader_error_is_a_value_error() -> None:
    assert issubclass(LoaderError, ValueError)
