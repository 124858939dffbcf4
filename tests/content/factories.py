"""Builders for valid announcements, so each test changes only what it is about."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from content.model import Announcement

WIB = timezone(timedelta(hours=7), "WIB")
NOW = datetime(2026, 1, 14, 8, 0, tzinfo=WIB)


def announcement_data(**overrides: Any) -> dict[str, Any]:
    """A dict that validates into a problem-free announcement (as of ``NOW``)."""
    data: dict[str, Any] = {
        "variants": {
            "id": {"title": "Peringatan banjir", "body": "Mohon **waspada** banjir."},
            "en": {"title": "Flood warning", "body": "Please be *alert* to floods."},
        },
        "poll": {
            "question": "Apakah wilayah Anda tergenang air?",
            "options": ["Ya", "Tidak"],
            "closes_at": NOW + timedelta(days=1),
            "translations": {"en": {"question": "Is your area flooded?", "options": ["Yes", "No"]}},
        },
        "priority": "urgent",
        "source": "BPBD Provinsi Banten",
        "expires_at": NOW + timedelta(days=2),
        "target": {"regions": ["3673"], "kinds": ["rt", "rw"]},
    }
    data.update(overrides)
    return data


def make_announcement(**overrides: Any) -> Announcement:
    return Announcement.model_validate(announcement_data(**overrides))
