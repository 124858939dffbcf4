from __future__ import annotations

from content.markup import (
    Blockquote,
    Bold,
    BulletList,
    Code,
    CodeBlock,
    Document,
    Heading,
    Italic,
    LineBreak,
    Link,
    OrderedList,
    Paragraph,
    Strike,
    Text,
    is_safe_href,
    parse,
)


def blocks(source: str) -> tuple[object, ...]:
    result = parse(source)
    assert result.problems == [], result.problems
    return result.document.blocks


def codes(source: str) -> list[str]:
    return [problem.code for problem in parse(source).problems]


def test_inline_formatting() -> None:
    assert blocks("a **b** *c* ~~d~~ `e`") == (
        Paragraph(
            (
                Text("a "),
                Bold((Text("b"),)),
                Text(" "),
                Italic((Text("c"),)),
                Text(" "),
                Strike((Text("d"),)),
                Text(" "),
                Code("e"),
            )
        ),
    )


def test_nested_formatting_and_links() -> None:
    assert blocks("**tebal [BMKG](https://www.bmkg.go.id) _miring_**") == (
        Paragraph(
            (
                Bold(
                    (
                        Text("tebal "),
                        Link("https://www.bmkg.go.id", (Text("BMKG"),)),
                        Text(" "),
                        Italic((Text("miring"),)),
                    )
                ),
            )
        ),
    )


def test_safe_link_schemes_are_kept() -> None:
    (paragraph,) = blocks("<https://x.id> [surel](mailto:a@b.id) [telepon](tel:112)")
    assert isinstance(paragraph, Paragraph)
    links = [node for node in paragraph.inlines if isinstance(node, Link)]
    assert [link.href for link in links] == ["https://x.id", "mailto:a@b.id", "tel:112"]


def test_soft_break_is_a_space_and_hard_break_a_line_break() -> None:
    assert blocks("satu\ndua  \ntiga\\\nempat") == (
        Paragraph((Text("satu dua"), LineBreak(), Text("tiga"), LineBreak(), Text("empat"))),
    )


def test_breaks_option_keeps_every_newline() -> None:
    result = parse("satu\ndua", breaks=True)
    assert result.document.blocks == (Paragraph((Text("satu"), LineBreak(), Text("dua"))),)


def test_entities_and_escapes_become_literal_text() -> None:
    assert blocks("a &amp; \\*b\\*") == (Paragraph((Text("a & *b*"),)),)


def test_headings_lists_quotes_and_code() -> None:
    source = (
        "# Judul\n\n## Sub\n\n- satu\n- dua\n  - anak\n\n3. tiga\n4. empat\n\n"
        "> kutipan\n\n```\nkode\n  blok\n```\n\n    terindentasi\n"
    )
    assert blocks(source) == (
        Heading(1, (Text("Judul"),)),
        Heading(2, (Text("Sub"),)),
        BulletList(
            (
                (Paragraph((Text("satu"),)),),
                (
                    Paragraph((Text("dua"),)),
                    BulletList(((Paragraph((Text("anak"),)),),)),
                ),
            )
        ),
        OrderedList(3, ((Paragraph((Text("tiga"),)),), (Paragraph((Text("empat"),)),))),
        Blockquote((Paragraph((Text("kutipan"),)),)),
        CodeBlock("kode\n  blok"),
        CodeBlock("terindentasi"),
    )


def test_ordered_list_starts_at_one_by_default() -> None:
    (ordered,) = blocks("1. a\n2. b")
    assert isinstance(ordered, OrderedList)
    assert ordered.start == 1


def test_empty_source_gives_empty_document() -> None:
    result = parse("")
    assert result.document == Document(())
    assert result.problems == []


def test_image_degrades_to_alt_text_with_problem() -> None:
    result = parse("Lihat ![peta banjir](https://x.id/peta.png) ini")
    assert result.document.blocks == (Paragraph((Text("Lihat peta banjir ini"),)),)
    assert [p.code for p in result.problems] == ["markup_image"]
    assert "gambar" in result.problems[0].message_id
    assert "image" in result.problems[0].message_en


def test_image_without_alt_keeps_its_address() -> None:
    result = parse("![](https://x.id/peta.png)")
    assert result.document.blocks == (Paragraph((Text("https://x.id/peta.png"),)),)


def test_inline_html_keeps_text_and_reports_once_per_line() -> None:
    result = parse("Mohon <b>segera</b> mengungsi")
    assert result.document.blocks == (Paragraph((Text("Mohon segera mengungsi"),)),)
    assert [p.code for p in result.problems] == ["markup_html"]


def test_html_block_keeps_visible_text_only() -> None:
    result = parse("<div>Air <b>naik</b><script>alert(1)</script><!-- catatan --></div>\n")
    assert result.document.blocks == (Paragraph((Text("Air naik"),)),)
    assert codes("<div>x</div>\n") == ["markup_html"]


def test_html_comment_alone_vanishes_but_is_reported() -> None:
    result = parse("<!-- catatan internal -->\n\nTeks")
    assert result.document.blocks == (Paragraph((Text("Teks"),)),)
    assert [p.code for p in result.problems] == ["markup_html"]


def test_table_degrades_to_rows_of_text() -> None:
    result = parse("| Pos | Tinggi |\n|---|---|\n| Katulampa | 150 cm |\n")
    assert result.document.blocks == (
        Paragraph((Text("Pos | Tinggi"), LineBreak(), Text("Katulampa | 150 cm"))),
    )
    assert [p.code for p in result.problems] == ["markup_table"]


def test_horizontal_rule_degrades_to_dashes() -> None:
    result = parse("atas\n\n***\n\nbawah")
    assert result.document.blocks == (
        Paragraph((Text("atas"),)),
        Paragraph((Text("---"),)),
        Paragraph((Text("bawah"),)),
    )
    assert [p.code for p in result.problems] == ["markup_rule"]


def test_unsafe_links_degrade_to_their_label() -> None:
    result = parse("[klik](javascript:alert(1)) dan [berkas](file:///etc/passwd) [rel](/x)")
    assert result.document.blocks == (Paragraph((Text("klik dan berkas rel"),)),)
    assert [p.code for p in result.problems] == ["markup_link"] * 3
    assert "javascript:alert(1)" in result.problems[0].message_id


def test_unsafe_autolink_keeps_its_text() -> None:
    result = parse("<javascript:alert(1)>")
    assert result.document.blocks == (Paragraph((Text("javascript:alert(1)"),)),)
    assert codes("<javascript:alert(1)>") == ["markup_link"]


def test_problems_carry_field_and_line() -> None:
    result = parse("baik\n\n![a](https://x.id/a.png)\n\n<hr>\n", field="variants.en.body")
    assert [(p.code, p.field) for p in result.problems] == [
        ("markup_image", "variants.en.body"),
        ("markup_html", "variants.en.body"),
    ]
    assert result.problems[0].message_id.startswith("Baris 3:")
    assert result.problems[0].message_en.startswith("Line 3:")
    assert result.problems[1].message_en.startswith("Line 5:")


def test_every_unsupported_kind_is_reported_together() -> None:
    source = "![a](https://x.id/a.png) <i>x</i> [j](javascript:x)\n\n---\n\n| a |\n|---|\n| b |\n"
    assert sorted(set(codes(source))) == [
        "markup_html",
        "markup_image",
        "markup_link",
        "markup_rule",
        "markup_table",
    ]


def test_is_safe_href() -> None:
    assert is_safe_href("https://bantenprov.go.id/x?y=1")
    assert is_safe_href("HTTP://X.ID")
    assert is_safe_href("mailto:kominfo@bantenprov.go.id")
    assert is_safe_href("tel:+62254123")
    assert not is_safe_href("javascript:alert(1)")
    assert not is_safe_href("data:text/html,hi")
    assert not is_safe_href("https://")
    assert not is_safe_href("mailto:")
    assert not is_safe_href("/relative/path")
    assert not is_safe_href("http://[::1")
