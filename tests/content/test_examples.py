from __future__ import annotations

from pathlib import Path

import content
from content import (
    PollLimits,
    Priority,
    content_hash,
    load_file,
    parse,
    t,
    to_html,
    to_plain,
    to_whatsapp,
    validate,
)
from tests.content.factories import NOW

EXAMPLES = Path(content.__file__).parent / "examples"
BANJIR = EXAMPLES / "banjir.md"


def test_banjir_example_loads_and_validates_without_problems() -> None:
    a = load_file(BANJIR)
    assert validate(a, PollLimits(), NOW) == []
    assert a.languages == ["id", "en"]
    assert a.priority is Priority.urgent
    assert a.source == "BPBD Provinsi Banten, BMKG"
    assert a.target.regions == ["3673", "3602"]
    assert a.poll is not None
    assert a.poll.question == "Apakah wilayah Anda tergenang air?"
    assert len(a.poll.options) == 3
    assert a.poll.text_for("en")[0] == "Is your area flooded?"


def test_banjir_example_body_uses_only_supported_markup() -> None:
    a = load_file(BANJIR)
    for lang in a.languages:
        result = parse(a.variant(lang).body)
        assert result.problems == []
        plain = to_plain(result.document)
        assert "1. " in plain and "5. " in plain
        assert "(https://www.bmkg.go.id)" in plain
        assert '<a href="https://www.bmkg.go.id">' in to_html(result.document)
        assert "*112*" in to_whatsapp(result.document)


def test_banjir_example_fits_whatsapp_button_limits() -> None:
    # WhatsApp reply buttons: at most 3, titles of at most 20 characters. The example's options
    # are longer, so a channel offering buttons must fall back to numbered replies; the
    # validator tells the core exactly that.
    a = load_file(BANJIR)
    problems = validate(a, PollLimits(options_max=3, option_max=20), NOW)
    assert {p.code for p in problems} == {"poll_option_too_long"}


def test_banjir_example_footer_strings() -> None:
    a = load_file(BANJIR)
    assert a.expires_at is not None
    assert t("expires_line", when=a.expires_at) == "Berlaku hingga 17 Januari 2026 pukul 18.00 WIB."
    assert t("source_line", "en", source=a.source) == "Source: BPBD Provinsi Banten, BMKG"
    assert len(content_hash(a)) == 64
