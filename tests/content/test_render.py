from __future__ import annotations

from html import escape

from content.markup import (
    BlockRenderer,
    Bold,
    Document,
    Heading,
    Inline,
    Italic,
    Link,
    Paragraph,
    Text,
    parse,
    to_html,
    to_plain,
    to_whatsapp,
)

SAMPLE = """\
# Peringatan *Banjir*

Warga **RT 01** diminta ~~tenang~~ waspada. Info: [BMKG](https://www.bmkg.go.id)
atau <https://bnpb.go.id>.

- Bersihkan saluran
- Siapkan tas siaga
  1. senter
  2. obat

> Jangan panik.
> Ikuti arahan petugas.

```
Posko: Kel. Cipare
```
"""


def doc(source: str) -> Document:
    return parse(source).document


def test_plain_text_layout() -> None:
    assert to_plain(doc(SAMPLE)) == (
        "Peringatan Banjir\n"
        "\n"
        "Warga RT 01 diminta tenang waspada. Info: BMKG (https://www.bmkg.go.id) atau "
        "https://bnpb.go.id.\n"
        "\n"
        "\u2022 Bersihkan saluran\n"
        "\u2022 Siapkan tas siaga\n"
        "  1. senter\n"
        "  2. obat\n"
        "\n"
        "> Jangan panik. Ikuti arahan petugas.\n"
        "\n"
        "Posko: Kel. Cipare"
    )


def test_plain_links_show_address_once() -> None:
    assert to_plain(doc("[a@b.id](mailto:a@b.id) [112](tel:112) [](https://x.id)")) == (
        "a@b.id 112 https://x.id"
    )
    assert to_plain(doc("[Surel](mailto:a@b.id)")) == "Surel (mailto:a@b.id)"


def test_plain_multiline_list_items_and_quotes_are_indented() -> None:
    source = "10. satu  \nlanjut\n\n> a\n>\n> b"
    assert to_plain(doc(source)) == "10. satu\n    lanjut\n\n> a\n>\n> b"


def test_empty_blocks_and_items_leave_no_blank_runs() -> None:
    assert to_plain(doc("a\n\n#\n\n```\n```\n\nb")) == "a\n\nb"
    assert to_plain(doc("-\n- x")) == "\u2022\n\u2022 x"


def test_whatsapp_formatting() -> None:
    assert to_whatsapp(doc(SAMPLE)) == (
        "*Peringatan _Banjir_*\n"
        "\n"
        "Warga *RT 01* diminta ~tenang~ waspada. Info: BMKG (https://www.bmkg.go.id) atau "
        "https://bnpb.go.id.\n"
        "\n"
        "\u2022 Bersihkan saluran\n"
        "\u2022 Siapkan tas siaga\n"
        "  1. senter\n"
        "  2. obat\n"
        "\n"
        "> Jangan panik. Ikuti arahan petugas.\n"
        "\n"
        "```Posko: Kel. Cipare```"
    )


def test_whatsapp_markers_never_span_lines() -> None:
    assert to_whatsapp(doc("**siaga  \nsatu** dan `kode`")) == "*siaga*\n*satu* dan ```kode```"


def test_html_structure_and_escaping() -> None:
    html = to_html(doc(SAMPLE))
    assert html.startswith("<h3>Peringatan <em>Banjir</em></h3>\n<p>Warga <strong>RT 01</strong>")
    assert "<s>tenang</s>" in html
    assert '<a href="https://www.bmkg.go.id">BMKG</a>' in html
    assert "<ul>\n<li>Bersihkan saluran</li>\n<li><p>Siapkan tas siaga</p>\n<ol>" in html
    assert "<blockquote>\n<p>Jangan panik. Ikuti arahan petugas.</p>\n</blockquote>" in html
    assert html.endswith("<pre><code>Posko: Kel. Cipare</code></pre>")


def test_html_escapes_text_code_and_attributes() -> None:
    html = to_html(doc('5 < 6 & `<b>` [x](https://x.id/?a=1&b="2")'))
    assert "5 &lt; 6 &amp; <code>&lt;b&gt;</code>" in html
    assert 'href="https://x.id/?a=1&amp;b=%222%22"' in html


def test_html_ordered_list_start_and_line_breaks() -> None:
    assert to_html(doc("7. a\n8. b")) == '<ol start="7">\n<li>a</li>\n<li>b</li>\n</ol>'
    assert to_html(doc("a  \nb")) == "<p>a<br>\nb</p>"


def test_renderers_refuse_unsafe_links_in_hand_built_documents() -> None:
    document = Document((Paragraph((Link("javascript:alert(1)", (Text("klik"),)),)),))
    assert to_html(document) == "<p>klik</p>"
    assert to_plain(document) == "klik"
    assert to_whatsapp(document) == "klik"


def test_whatsapp_does_not_mark_a_style_nested_in_itself() -> None:
    assert to_whatsapp(Document((Heading(2, (Text("a "), Bold((Text("x"),)))),))) == "*a x*"
    nested = Bold((Text("a "), Bold((Text("b"),)), Text(" "), Italic((Text("c"),))))
    assert to_whatsapp(Document((Paragraph((nested,)),))) == "*a b _c_*"


class TelegramLike(BlockRenderer):
    """What a channel adapter writes: only the hooks that differ from plain text."""

    def text(self, text: str) -> str:
        return escape(text, quote=False)

    def bold(self, inner: str) -> str:
        return f"<b>{inner}</b>"

    def italic(self, inner: str) -> str:
        return f"<i>{inner}</i>"

    def link(self, href: str, children: tuple[Inline, ...]) -> str:
        return f'<a href="{escape(href)}">{self.inlines(children)}</a>'

    def heading(self, level: int, inner: str) -> str:
        return f"<b>{inner}</b>"


def test_custom_renderer_overrides_only_what_differs() -> None:
    rendered = TelegramLike().render(doc("# A & B\n\n**x** *y* [z](https://z.id)\n\n- i"))
    assert rendered == (
        '<b>A &amp; B</b>\n\n<b>x</b> <i>y</i> <a href="https://z.id">z</a>\n\n\u2022 i'
    )
