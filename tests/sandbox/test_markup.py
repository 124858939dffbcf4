"""Telegram's markup rules as the sandbox applies them (pure functions, no server)."""

from __future__ import annotations

import pytest

from adapters.sandbox.telegram.entities import Entity, EntityParseError
from adapters.sandbox.telegram.errors import ApiError
from adapters.sandbox.telegram.formatting import format_text
from adapters.sandbox.telegram.html_entities import parse_html
from adapters.sandbox.telegram.markdown import parse_markdown, parse_markdown_v2


def test_html_entities_use_utf16_offsets() -> None:
    text, entities = parse_html("🏟 <b>Banjir</b> di <i>RT&nbsp;01</i> &amp; <u>RW</u>")
    assert text == "🏟 Banjir di RT&nbsp;01 & RW"
    assert entities == [
        Entity("bold", 3, 6),
        Entity("italic", 13, 10),
        Entity("underline", 26, 2),
    ]


def test_html_links_code_and_spoilers() -> None:
    markup = (
        '<a href="https://bpbd.bantenprov.go.id">BPBD</a> '
        '<pre><code class="language-python">x = 1</code></pre> '
        '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler> '
        '<a href="tg://user?id=42">Pak RT</a> <a href="javascript:alert(1)">x</a>'
    )
    text, entities = parse_html(markup)
    assert text == "BPBD x = 1 st Pak RT x"
    assert Entity("text_link", 0, 4, url="https://bpbd.bantenprov.go.id") in entities
    assert Entity("pre", 5, 5, language="python") in entities
    assert Entity("spoiler", 11, 1) in entities and Entity("spoiler", 12, 1) in entities
    assert Entity("text_mention", 14, 6, user_id=42) in entities
    assert all(entity.offset != 21 for entity in entities)  # unsafe link silently dropped


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("Harga < 100", 'Unsupported start tag "" at byte offset 6'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("🏟 🏟&lt;<i>a</i   ", "Unclosed end tag at byte offset 17"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        (
            "<b x>y</b>",
            'Expected equal sign in declaration of an attribute of the tag "b" at byte offset 0',
        ),
        ('<tg-emoji emoji-id="x">y</tg-emoji>', "Invalid custom emoji identifier specified"),
    ],
)
def test_html_errors_match_telegram(markup: str, error: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(markup)
    assert str(caught.value) == error


def test_unknown_character_references_are_kept() -> None:
    assert parse_html("&ge;&lt;&gt;&amp;&quot;&#65;&#x42;")[0] == '&ge;<>&"AB'


def test_markdown_v2() -> None:
    text, entities = parse_markdown_v2(
        "*Awas* _banjir_ __rob__ ~x~ ||s|| `c` [peta](https://x.id)\\."
    )
    assert text == "Awas banjir rob x s c peta."
    assert [e.type for e in entities] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "text_link",
    ]
    with pytest.raises(EntityParseError, match=r"Character '\.' is reserved"):
        parse_markdown_v2("Jam 10.00")
    with pytest.raises(EntityParseError, match="Can't find end of Bold entity at byte offset 0"):
        parse_markdown_v2("*tebal")


def test_legacy_markdown() -> None:
    text, entities = parse_markdown("*a* _b_ `c`")
    assert text == "a b c" and [e.type for e in entities] == ["bold", "italic", "code"]
    with pytest.raises(EntityParseError, match="Can't find end of the entity starting"):
        parse_markdown("*a")


def test_length_is_counted_after_parsing() -> None:
    body = "a" * 4096
    assert len(format_text(f"<b>{body}</b>", "HTML", None, kind="text").text) == 4096
    with pytest.raises(ApiError) as caught:
        format_text(f"<b>{body}x</b>", "HTML", None, kind="text")
    assert caught.value.description == "Bad Request: message is too long"
    with pytest.raises(ApiError) as caught:
        format_text("c" * 1025, None, None, kind="caption")
    assert caught.value.description == "Bad Request: message caption is too long"
    with pytest.raises(ApiError) as caught:
        format_text("  \n ", None, None, kind="text")
    assert caught.value.description == "Bad Request: message must be non-empty"
    with pytest.raises(ApiError) as caught:
        format_text("<x>", "HTML", None, kind="text")
    assert caught.value.description == (
        'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 0'
    )


def test_trimming_moves_entities_and_commands_are_detected() -> None:
    formatted = format_text("  <b>/daftar</b> 3671010001 rt  ", "HTML", None, kind="text")
    assert formatted.text == "/daftar 3671010001 rt"
    assert Entity("bold", 0, 7) in formatted.entities
    assert Entity("bot_command", 0, 7) in formatted.entities
