"""One problem per distinct cause, naming the line it is on (issue 10, point 20): a body with
``<tetap>`` in sixty paragraphs used to yield sixty identical "HTML is not supported"."""

from __future__ import annotations

from datetime import UTC, datetime

from content.markup import parse
from content.model import Announcement, Target, Variant
from content.validation import PollLimits, validate


def _body(paragraphs: int) -> str:
    return "\n\n".join(
        f"Paragraf {i}: warga diminta\n<tetap> di rumah dan </tetap> waspada."
        for i in range(paragraphs)
    )


def test_one_problem_per_tag_naming_its_lines() -> None:
    problems = parse(_body(60), field="variants.id.body").problems
    assert [p.code for p in problems] == ["markup_html"]
    (problem,) = problems
    # paragraph i starts on line 3i + 1; the tag is on its second line
    assert problem.message_en.startswith("Line 2: HTML <tetap> is not supported")
    assert "Also on lines 5, 8, 11, 14, 17 and 54 more." in problem.message_en
    assert problem.message_id.startswith("Baris 2: kode HTML <tetap> tidak didukung")
    assert "dan 54 baris lain" in problem.message_id


def test_distinct_causes_stay_distinct() -> None:
    body = "Satu <b>tebal</b>.\n\nDua <tetap>.\n\n<i>miring</i> dan <b>lagi</b>\n\n![foto](x.png)"
    problems = parse(body).problems
    assert [(p.code, p.message_en.split(":")[0]) for p in problems] == [
        ("markup_html", "Line 1"),
        ("markup_html", "Line 3"),
        ("markup_html", "Line 5"),
        ("markup_image", "Line 7"),
    ]
    b, tetap, i, _ = (p.message_en for p in problems)
    assert "<b>" in b and "Also on lines 5." in b
    assert "<tetap>" in tetap and "Also" not in tetap
    assert "<i>" in i


def test_validation_of_a_whole_announcement_lists_the_cause_once() -> None:
    content = Announcement(
        variants={"id": Variant(title="Tetap di rumah", body=_body(60))},
        target=Target(regions=["3673"]),
    )
    problems = validate(content, PollLimits(), datetime.now(UTC))
    assert len([p for p in problems if p.code == "markup_html"]) == 1
