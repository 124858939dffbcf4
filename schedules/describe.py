"""Human descriptions of schedules in Indonesian (``id``) or English (``en``).

Indonesian clock times use a dot (``07.00``) as is usual in Indonesia; Indonesian zones are
named by their common abbreviation (WIB, WITA, WIT), other zones by their IANA key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from schedules.cron import CronFields

Lang = Literal["id", "en"]

_ZONE_LABELS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}
# Crontab order: index 0 is Sunday.
_DAYS = {
    "id": ("Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"),
    "en": ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"),
}
_MONTHS = {
    "id": (
        "Januari", "Februari", "Maret", "April", "Mei", "Juni",
        "Juli", "Agustus", "September", "Oktober", "November", "Desember",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip
_WORKDAYS = frozenset({1, 2, 3, 4, 5})


def zone_label(zone: str) -> str:
    """``WIB``/``WITA``/``WIT`` for Indonesian zones, otherwise the IANA key itself."""
    return _ZONE_LABELS.get(zone, zone)


def describe_once(local: datetime, zone: str, lang: Lang) -> str:
    """Describe a one-off firing at ``local`` (already converted to ``zone``)."""
    day = _DAYS[lang][local.isoweekday() % 7]
    date = f"{local.day} {_MONTHS[lang][local.month - 1]} {local.year}"
    clock = _clock(local.hour, local.minute, lang)
    if lang == "id":
        return f"sekali pada {day}, {date} pukul {clock} {zone_label(zone)}"
    return f"once on {day} {date} at {clock} {zone_label(zone)}"


def describe_cron(fields: CronFields, zone: str, lang: Lang) -> str:
    """Describe a crontab recurrence; daily/weekly at one time of day gets a sentence,
    anything more intricate is shown as the expression itself."""
    label = zone_label(zone)
    single_time = len(fields.minutes) == 1 and len(fields.hours) == 1
    if not (single_time and len(fields.days) == 31 and len(fields.months) == 12):
        return f"{'jadwal cron' if lang == 'id' else 'cron'} {fields.expr} ({label})"
    clock = _clock(min(fields.hours), min(fields.minutes), lang)
    # With both day fields restricted cron ORs them, and an all-days day field matches daily.
    weekdays = frozenset(range(7)) if fields.day_restricted else fields.weekdays
    every = "setiap" if lang == "id" else "every"
    names = _DAYS[lang]
    if len(weekdays) == 7:
        days = "setiap hari" if lang == "id" else "every day"
    elif weekdays == _WORKDAYS:
        days = f"{every} {names[1]}–{names[5]}"
    else:
        days = f"{every} " + ", ".join(
            names[d] for d in sorted(weekdays, key=lambda d: (d - 1) % 7)
        )
    return f"{days} {'pukul' if lang == 'id' else 'at'} {clock} {label}"


def _clock(hour: int, minute: int, lang: Lang) -> str:
    return f"{hour:02d}{'.' if lang == 'id' else ':'}{minute:02d}"
