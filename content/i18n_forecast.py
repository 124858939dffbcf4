"""Texts of the reach forecast (issue 15), shown to officers and verifiers (CLI, API,
dashboard, the approve page). Numbers and durations arrive already formatted for the language.
Merged into :data:`content.i18n.MESSAGES`."""

from __future__ import annotations

from collections.abc import Mapping

FORECAST_MESSAGES: Mapping[str, Mapping[str, str]] = {
    "forecast.no_groups": {
        "id": "Target tidak menjangkau satu pun grup aktif — periksa wilayah dan filter target",
        "en": "The target reaches no active group — check the target's regions and filters",
    },
    "forecast.unconfigured": {
        "id": "{account}: akun tidak aktif di konfigurasi, {groups} grup tidak akan terkirim — "
        "aktifkan akun itu atau pindahkan grupnya ke akun lain",
        "en": "{account}: the account is not enabled in the configuration, {groups} groups "
        "will not be reached — enable it or move its groups to another account",
    },
    "forecast.held_open": {
        "id": "{account}: akun ditahan ({reason}) sampai petugas bertindak — periksa akun itu "
        "lalu lanjutkan, atau kirim lewat akun lain",
        "en": "{account}: the account is held ({reason}) until an operator acts — check it "
        "and resume it, or send through another account",
    },
    "forecast.held_until": {
        "id": "{account}: akun ditahan ({reason}) sampai {until}; pengiriman mulai setelahnya",
        "en": "{account}: the account is held ({reason}) until {until}; sending starts then",
    },
    "forecast.daily_cap": {
        "id": "{account}: {groups} grup dengan {cap} per hari: {days} hari — tambah nomor "
        "atau pakai Cloud API ke ketua RT",
        "en": "{account}: {groups} groups at {cap} a day: {days} days — add numbers or use "
        "the Cloud API to RT heads",
    },
    "forecast.number_quiet": {
        "id": "{account}: jam tenang nomor ({start}–{end}) menunda pengiriman — kirim lewat "
        "akun lain bila tidak bisa menunggu",
        "en": "{account}: the number's quiet hours ({start}–{end}) delay sending — send "
        "through another account if it cannot wait",
    },
    "forecast.service_quiet": {
        "id": "Jam tenang layanan ({start}–{end}) menunda pengumuman non-darurat — jadikan "
        "prioritas darurat bila tidak bisa menunggu",
        "en": "The service's quiet hours ({start}–{end}) hold announcements below emergency "
        "— make it an emergency if it cannot wait",
    },
    "forecast.group_interval": {
        "id": "{account}: {messages} pesan per grup dengan jeda {interval} per grup — kirim "
        "satu pesan (teks lebih pendek, tanpa jajak pendapat) agar lebih cepat",
        "en": "{account}: {messages} messages per group, {interval} apart in each group — "
        "send one message (shorter text, no poll) to be faster",
    },
    "forecast.ahead": {
        "id": "{account}: {count} kiriman lain antre lebih dulu (+{delay}) — tunda atau "
        "batalkan kiriman lain, atau naikkan prioritas",
        "en": "{account}: {count} other deliveries are queued ahead (+{delay}) — postpone or "
        "cancel other dispatches, or raise the priority",
    },
    "forecast.slow": {
        "id": "{account}: {groups} grup dengan {per_minute} pesan per menit: {duration} — "
        "tambah akun untuk wilayah ini atau persempit target",
        "en": "{account}: {groups} groups at {per_minute} messages a minute: {duration} — add "
        "accounts for this region or narrow the target",
    },
    "forecast.never": {"id": "tidak dalam setahun", "en": "not within a year"},
    "forecast.days": {"id": "{n} hari", "en": "{n} days"},
    "forecast.hours": {"id": "{h} jam {m} menit", "en": "{h} h {m} min"},
    "forecast.minutes": {"id": "{m} menit {s} detik", "en": "{m} min {s} s"},
    "forecast.seconds": {"id": "{s} detik", "en": "{s} s"},
}
