from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta, timezone

import pytest

from content.i18n import MESSAGES, format_datetime, t


def test_default_language_is_indonesian() -> None:
    assert t("poll_header") == "Jajak pendapat"
    assert t("poll_header", "en") == "Poll"


def test_unknown_language_falls_back_to_indonesian() -> None:
    assert t("source_line", "su", source="BMKG") == "Sumber: BMKG"
    assert t("source_line", lang="en", source="BMKG") == "Source: BMKG"


def test_unknown_key_raises_key_error_naming_it() -> None:
    with pytest.raises(KeyError, match="no_such_message"):
        t("no_such_message")


def test_resident_facing_strings() -> None:
    url = "https://kominfo.bantenprov.go.id/cek/abc"
    assert t("verify_line", url=url) == f"Cek keaslian: {url}"
    assert t("verify_line", "en", url=url) == f"Check authenticity: {url}"
    assert t("reply_with_number", choices="1, 2, 3") == "Balas dengan angka pilihan Anda: 1, 2, 3"
    assert "1, 2" in t("reply_with_number", "en", choices="1, 2")


def test_datetime_parameters_are_written_per_language_in_wib() -> None:
    moment = datetime(2026, 1, 17, 11, 0, tzinfo=UTC)
    assert t("expires_line", when=moment) == "Berlaku hingga 17 Januari 2026 pukul 18.00 WIB."
    assert t("expires_line", "en", when=moment) == "Valid until 17 January 2026, 18:00 WIB."


def test_format_datetime_names_indonesian_time_zones() -> None:
    moment = datetime(2026, 8, 17, 3, 5, tzinfo=UTC)
    assert format_datetime(moment) == "17 Agustus 2026 pukul 10.05 WIB"
    wita = timezone(timedelta(hours=8))
    assert format_datetime(moment, "id", tz=wita) == "17 Agustus 2026 pukul 11.05 WITA"
    wit = timezone(timedelta(hours=9))
    assert format_datetime(moment, "en", tz=wit) == "17 August 2026, 12:05 WIT"
    india = timezone(timedelta(hours=5, minutes=30))
    assert format_datetime(moment, "en", tz=india) == "17 August 2026, 08:35 UTC+05:30"
    assert format_datetime(moment, "en", tz=UTC) == "17 August 2026, 03:05 UTC"


def test_format_datetime_crosses_the_date_line_into_wib() -> None:
    late_utc = datetime(2025, 12, 31, 20, 30, tzinfo=UTC)
    assert format_datetime(late_utc) == "1 Januari 2026 pukul 03.30 WIB"


def test_every_message_has_indonesian_and_english_with_same_placeholders() -> None:
    formatter = string.Formatter()
    for key, templates in MESSAGES.items():
        assert set(templates) == {"id", "en"}, key
        assert all(text.strip() for text in templates.values()), key
        fields = {
            lang: {name for _, name, _, _ in formatter.parse(text) if name}
            for lang, text in templates.items()
        }
        assert fields["id"] == fields["en"], key


def test_required_resident_strings_exist() -> None:
    for key in ("poll_header", "source_line", "reply_with_number", "verify_line", "expires_line"):
        assert key in MESSAGES
