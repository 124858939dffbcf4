"""Splitting Telegram HTML at the length limit, checked with the emulator's own HTML parser."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.sandbox.telegram.html_entities import parse_html
from adapters.telegram.render import body_html
from adapters.telegram.split import html_to_plain, split_html, utf16_len, visible_text

TELEGRAM_TRIM = " \t\r\n"  # what the Bot API strips from both ends before counting


def shown(html: str) -> str:
    """The text Telegram shows for one message; raises if Telegram would refuse the markup."""
    return parse_html(html)[0].strip(TELEGRAM_TRIM)


def assert_split_ok(html: str, parts: list[str], limit: int) -> None:
    """Each part parses and fits; together they hold the whole text (whitespace at cuts aside)."""
    whole = parse_html(html)[0]
    position = 0
    for part in parts:
        text = shown(part)  # raises EntityParseError on unbalanced or broken tags
        assert text, "empty part"
        assert utf16_len(text) <= limit
        # whitespace at a cut may be dropped (Python's idea of whitespace, \x1f included)
        while not whole.startswith(text, position) and whole[position : position + 1].isspace():
            position += 1
        assert whole.startswith(text, position), (whole[position:][:80], text[:80])
        position += len(text)
    assert whole[position:].strip() == ""


def test_text_that_fits_is_unchanged() -> None:
    html = "<b>Awas</b> banjir &amp; longsor"
    assert split_html(html, 4096) == [html]
    assert split_html("  \n ", 10) == []


def test_prefers_paragraph_then_line_then_sentence_then_word() -> None:
    assert split_html("Satu dua.\n\nTiga empat. Lima enam", 24) == [
        "Satu dua.",
        "Tiga empat. Lima enam",
    ]
    assert split_html("Satu dua.\nTiga empat. Lima", 22) == ["Satu dua.", "Tiga empat. Lima"]
    assert split_html("Satu dua. Tiga empat lima", 20) == ["Satu dua.", "Tiga empat lima"]
    assert split_html("Satu dua tiga empat", 12) == ["Satu dua", "tiga empat"]
    assert split_html("abcdefghij", 4) == ["abcd", "efgh", "ij"]


def test_tags_open_at_a_cut_are_closed_and_reopened() -> None:
    html = '<b>Tebal <a href="https://x.id/?a=1&amp;b=2">tautan panjang</a> sekali</b> akhir'
    parts = split_html(html, 14)
    assert parts == [
        '<b>Tebal <a href="https://x.id/?a=1&amp;b=2">tautan</a></b>',
        '<b><a href="https://x.id/?a=1&amp;b=2">panjang</a> sekali</b>',
        "akhir",
    ]
    assert_split_ok(html, parts, 14)
    for part in parts[:2]:
        _, entities = parse_html(part)
        assert {e.type for e in entities} >= {"bold"}


def test_length_counts_utf16_units_after_entity_parsing() -> None:
    emoji = "\U0001f30a"  # 🌊: one code point, two UTF-16 units
    parts = split_html(emoji * 10, 8)
    assert [shown(p) for p in parts] == [emoji * 4, emoji * 4, emoji * 2]
    escaped = "&amp;" * 10  # ten characters once parsed, not fifty
    assert split_html(escaped, 10) == [escaped]


def test_no_cut_between_a_letter_and_its_combining_mark() -> None:
    parts = split_html("abcde\u0301fgh", 5)
    assert [shown(p) for p in parts] == ["abcd", "e\u0301fgh"]


def test_raw_size_is_capped_too() -> None:
    href = "https://x.id/" + "p" * 400
    html = " ".join(f'<a href="{href}">L{i}</a>' for i in range(40))
    parts = split_html(html, 4096, max_bytes=2000)
    assert len(parts) > 1
    assert all(len(p.encode()) <= 2000 for p in parts)
    assert_split_ok(html, parts, 4096)


def test_split_rejects_malformed_input() -> None:
    with pytest.raises(ValueError, match="never closed"):
        split_html("<b>x" + "y" * 50, 10)
    with pytest.raises(ValueError, match="closes nothing"):
        split_html("x</b>", 10)


def test_visible_text_decodes_only_what_telegram_decodes() -> None:
    assert visible_text("&lt;&gt;&amp;&quot;&#65;&#x42;&copy;&") == '<>&"AB&copy;&'
    assert visible_text("&copy;&") == parse_html("&copy;&")[0]


def test_html_to_plain_keeps_link_addresses() -> None:
    html = (
        '<b>Awas banjir</b> &amp; <a href="https://bmkg.go.id">BMKG</a>, '
        '<a href="https://x.id">https://x.id</a>, <a href="tel:112">112</a> <i>belum ditutup'
    )
    assert (
        html_to_plain(html)
        == "Awas banjir & BMKG (https://bmkg.go.id), https://x.id, 112 belum ditutup"
    )
    assert html_to_plain(html, keep_links=False).startswith("Awas banjir & BMKG, https://x.id")


# Markdown-significant pieces and awkward characters, over-represented so that generated bodies
# hit every block and inline kind, escaping, astral characters and long unbroken words.
BITS = st.sampled_from(
    [
        "**", "*", "~~", "`", "```\n", "[", "](https://x.id/?a=1&b=2)", "<", ">", "&", '"',
        "- ", "1. ", "> ", "# ", "\n", "\n\n", "  \n", ". ", "! ", "? ", " ", "\t", "kata",
        "panjaaaaaaaaaaaaaaaaang", "\U0001f30a", "e\u0301", "\u200d", "\u00a0", "&amp;",
    ]
)  # fmt: skip
BODIES = st.lists(BITS | st.text(max_size=6), min_size=20, max_size=150).map("".join)


@settings(max_examples=300, deadline=None, database=None)
@given(body=BODIES, limit=st.integers(min_value=2, max_value=160))
def test_every_part_fits_parses_and_nothing_is_lost(body: str, limit: int) -> None:
    html = body_html(body)
    parts = split_html(html, limit)
    if not visible_text(html).strip():
        assert parts == []
        return
    assert_split_ok(html, parts, limit)


@settings(max_examples=25, deadline=None, database=None)
@given(body=BODIES, repeat=st.integers(min_value=20, max_value=60))
def test_real_limit_on_long_bodies(body: str, repeat: int) -> None:
    html = body_html("\n\n".join([body] * repeat))
    assert_split_ok(html, split_html(html), 4096)
