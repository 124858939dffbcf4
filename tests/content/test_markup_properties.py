"""Property tests: parsing and rendering are total, and the HTML is always well-formed."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from content.markup import Document, parse, to_html, to_plain, to_whatsapp

# Markdown-significant characters are over-represented so that the generator hits lists, quotes,
# emphasis, links, code, HTML and tables far more often than uniform Unicode would.
MARKDOWN_BITS = st.sampled_from(
    [
        "*", "**", "_", "~~", "`", "```", "[", "]", "(", ")", "<", ">", "!", "#", "- ", "1. ",
        "|", "---", "\n", "\n\n", "  \n", "\\", "&amp;", "&#x0;", "http://x.id", "javascript:",
        "<b>", "</b>", "<!--", "-->", "    ", "> ", "\t", " ", "a", "é", "e\u0301", "\u0000",
    ]
)  # fmt: skip
MARKDOWNISH = st.lists(MARKDOWN_BITS | st.text(max_size=5), max_size=40).map("".join)
ANY_TEXT = st.text() | MARKDOWNISH

ALLOWED_TAGS = {
    "p", "strong", "em", "s", "code", "pre", "a", "ul", "ol", "li", "blockquote", "h3", "br",
}  # fmt: skip
VOID_TAGS = {"br"}


class TagBalance(HTMLParser):
    """Records every problem that would make the fragment ill-formed or unsafe."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.errors.append(f"unexpected tag <{tag}>")
        for name, value in attrs:
            if not (tag == "a" and name == "href") and not (tag == "ol" and name == "start"):
                self.errors.append(f"unexpected attribute {name}={value!r} on <{tag}>")
            if tag == "a" and not (value or "").lower().startswith(("http", "mailto:", "tel:")):
                self.errors.append(f"unsafe href {value!r}")
        if tag not in VOID_TAGS:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> does not close {self.stack[-1:]}")
        else:
            self.stack.pop()

    def handle_comment(self, data: str) -> None:
        self.errors.append(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        self.errors.append(f"declaration {decl!r}")


@settings(max_examples=400, database=None, deadline=None)
@given(ANY_TEXT)
def test_parse_and_render_never_raise(source: str) -> None:
    result = parse(source)
    assert isinstance(result.document, Document)
    for problem in result.problems:
        assert problem.code.startswith("markup_")
        assert problem.message_id and problem.message_en
    assert isinstance(to_plain(result.document), str)
    assert isinstance(to_whatsapp(result.document), str)
    assert isinstance(to_html(result.document), str)


@settings(max_examples=400, database=None, deadline=None)
@given(ANY_TEXT)
def test_html_is_well_formed_and_uses_only_safe_tags(source: str) -> None:
    checker = TagBalance()
    checker.feed(to_html(parse(source).document))
    checker.close()
    assert checker.errors == []
    assert checker.stack == []


@settings(max_examples=200, database=None, deadline=None)
@given(st.text(alphabet=st.characters(exclude_characters="\\`*_~[]<>!#|&-+=.()0123456789")))
def test_text_without_markup_survives_plain_rendering(source: str) -> None:
    # Text with no Markdown syntax must come out word for word (whitespace aside): the parser
    # must never lose what an officer wrote.
    plain = to_plain(parse(source).document)
    assert plain.split() == source.replace("\x00", "\ufffd").split()
