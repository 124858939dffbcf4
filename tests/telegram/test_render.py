"""Rendering announcements as Telegram HTML and native polls (no network needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.sandbox.telegram.html_entities import parse_html
from adapters.telegram import TelegramAdapter
from adapters.telegram.render import TelegramHtml, announcement_html, body_html
from broadcaster.adapter import AdapterContext, ChannelMessage, RenderContext
from content.markup import Document, Link, Paragraph, Text
from content.model import Announcement, Poll, PollTranslation, Target, Variant

CTX = RenderContext(7, "K7Q2", "https://bc.bantenprov.go.id/v/K7Q2")


def adapter(tmp_path: Path, **settings: object) -> TelegramAdapter:
    return TelegramAdapter(AdapterContext("tg", {"sandbox": True, **settings}, tmp_path))


def announcement(body: str = "Mohon **waspada**.", **fields: object) -> Announcement:
    data: dict[str, object] = {
        "variants": {"id": Variant(title="Peringatan Dini", body=body)},
        "source": "BMKG",
        "target": Target(regions=["36"]),
    }
    data.update(fields)
    return Announcement.model_validate(data)


def shown(html: str) -> str:
    """What Telegram shows for ``html`` (the emulator's parser raises on bad markup)."""
    return parse_html(html)[0]


def test_every_formatting_kind_becomes_telegram_html() -> None:
    body = (
        "# Judul bagian\n\n"
        "**tebal** *miring* ~~coret~~ `kode` [BMKG](https://bmkg.go.id)\n\n"
        "- satu\n- dua\n\n"
        "1. pertama\n2. kedua\n\n"
        "> kutipan\n\n"
        "```\nbaris <1>\nbaris 2\n```"
    )
    html = body_html(body)
    assert html == (
        "<b>Judul bagian</b>\n\n"
        "<b>tebal</b> <i>miring</i> <s>coret</s> <code>kode</code> "
        '<a href="https://bmkg.go.id">BMKG</a>\n\n'
        "\u2022 satu\n\u2022 dua\n\n"
        "1. pertama\n2. kedua\n\n"
        "<blockquote>kutipan</blockquote>\n\n"
        "<pre>baris &lt;1&gt;\nbaris 2</pre>"
    )
    parse_html(html)  # Telegram accepts it


def test_text_and_attributes_are_escaped() -> None:
    href = 'https://bantenprov.go.id/cari?q="banjir"&x=<1>'
    document = Document((Paragraph((Text('a < b & c > d "q"'), Link(href, (Text("L&K"),)))),))
    html = TelegramHtml().render(document)
    assert html == (
        'a &lt; b &amp; c &gt; d "q"'
        '<a href="https://bantenprov.go.id/cari?q=&quot;banjir&quot;&amp;x=&lt;1&gt;">L&amp;K</a>'
    )
    text, entities = parse_html(html)
    assert text == 'a < b & c > d "q"L&K'
    assert entities[0].url == href


def test_unsafe_link_keeps_only_its_label() -> None:
    document = Document((Paragraph((Link("javascript:alert(1)", (Text("klik"),)),)),))
    assert TelegramHtml().render(document) == "klik"


def test_nested_quotes_stay_text_inside_one_blockquote() -> None:
    html = body_html("> luar\n>\n> > dalam")
    assert html == "<blockquote>luar\n\n&gt; dalam</blockquote>"
    assert shown(html) == "luar\n\n> dalam"


def test_title_first_in_bold_footer_last() -> None:
    html = announcement_html(announcement(), "id", CTX)
    assert html.startswith("<b>Peringatan Dini</b>\n\n")
    assert html.endswith("\n\nSumber: BMKG\nCek keaslian: https://bc.bantenprov.go.id/v/K7Q2")
    plain = shown(html)
    assert plain.splitlines()[0] == "Peringatan Dini"
    quiet = announcement_html(announcement(source=None), "id", RenderContext(7, "K7Q2"))
    assert shown(quiet) == "Peringatan Dini\n\nMohon waspada."


def test_title_is_escaped_and_language_falls_back() -> None:
    content = announcement(
        variants={
            "id": Variant(title="Awas <banjir> & longsor", body="Isi."),
            "en": Variant(title="Flood & landslide", body="Body."),
        }
    )
    assert announcement_html(content, "id", CTX).startswith(
        "<b>Awas &lt;banjir&gt; &amp; longsor</b>"
    )
    english = shown(announcement_html(content, "en", CTX))
    assert english.startswith("Flood & landslide\n\nBody.\n\nSource: BMKG")
    assert shown(announcement_html(content, "su", CTX)).startswith("Awas <banjir> & longsor")


def test_render_gives_text_then_native_poll(tmp_path: Path) -> None:
    poll = Poll(
        question="Tergenang?",
        options=[" Ya ", "Tidak"],
        multiple=True,
        translations={"en": PollTranslation(question="Flooded?", options=["Yes", "No"])},
    )
    messages = adapter(tmp_path).render(announcement(poll=poll), "en", CTX)
    assert [m.kind for m in messages] == ["text", "poll"]
    assert messages[0].payload["parse_mode"] == "HTML"
    assert messages[1] == ChannelMessage(
        "poll",
        {
            "question": "Flooded?",
            "options": ["Yes", "No"],
            "is_anonymous": True,
            "allows_multiple_answers": True,
        },
    )
    indonesian = adapter(tmp_path).render(announcement(poll=poll), "id", CTX)[1]
    assert indonesian.payload["options"] == ["Ya", "Tidak"]


@pytest.mark.parametrize(
    ("configured", "in_poll", "expected"),
    [(True, None, True), (False, None, False), (True, False, False), (False, True, True)],
)
def test_poll_anonymity_follows_the_poll_then_the_account(
    tmp_path: Path, configured: bool, in_poll: bool | None, expected: bool
) -> None:
    poll = Poll(question="Q?", options=["A", "B"], anonymous=in_poll)
    rendered = adapter(tmp_path, poll_anonymous=configured).render(
        announcement(poll=poll), "id", CTX
    )
    assert rendered[-1].payload["is_anonymous"] is expected


def test_poll_telegram_cannot_show_is_sent_as_text(tmp_path: Path) -> None:
    too_many = Poll(question="Pilih RT", options=[f"RT {i:03}" for i in range(1, 14)])
    messages = adapter(tmp_path).render(announcement(poll=too_many), "id", CTX)
    assert [m.kind for m in messages] == ["text", "text"]
    shown_poll = shown(str(messages[1].payload["text"]))
    assert shown_poll.startswith("Jajak pendapat: Pilih RT")
    assert "13. RT 013" in shown_poll
    long_question = Poll(question="x" * 301, options=["A", "B"])
    assert adapter(tmp_path).render(announcement(poll=long_question), "id", CTX)[-1].kind == "text"


def test_long_announcement_is_split_and_each_part_fits(tmp_path: Path) -> None:
    paragraphs = [f"Paragraf {i}: " + "Warga diminta **waspada** banjir. " * 40 for i in range(9)]
    messages = adapter(tmp_path).render(announcement(body="\n\n".join(paragraphs)), "id", CTX)
    texts = [str(m.payload["text"]) for m in messages]
    assert len(texts) >= 3
    for text in texts:
        plain = shown(text)
        assert len(plain) <= 4096
        assert plain == plain.strip()
    assert shown(texts[0]).startswith("Peringatan Dini\n\nParagraf 0:")
    assert shown(texts[-1]).endswith("Cek keaslian: https://bc.bantenprov.go.id/v/K7Q2")
    # cuts fall between paragraphs: every part after the first starts a paragraph
    assert all(shown(text).startswith("Paragraf") for text in texts[1:])


def test_limits_are_the_published_ones(tmp_path: Path) -> None:
    limits = adapter(tmp_path).limits
    assert (limits.global_per_second, limits.per_address_interval) == (30.0, 1.0)
    assert (limits.per_address_per_minute, limits.text_max) == (20, 4096)
    assert limits.poll is not None
    poll = limits.poll
    assert (poll.question_max, poll.options_min, poll.options_max, poll.option_max) == (
        300,
        2,
        12,
        100,
    )
    assert adapter(tmp_path, allow_paid_broadcast=True).limits.global_per_second == 1000.0
