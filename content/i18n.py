"""Text shown to people, in Bahasa Indonesia (the default) and English.

Contract of :func:`t`:
- ``t(key, lang, **params)`` fills the template for ``key`` in ``lang`` with ``str.format``.
- A language without a template for that key falls back to Bahasa Indonesia, so a resident whose
  group is set to, say, Sundanese still gets a complete message.
- An unknown key raises ``KeyError`` naming the key: a missing message is a programming error and
  must not turn into an empty line in a broadcast.
- A ``datetime`` parameter is written with :func:`format_datetime` in the message's language
  (Western Indonesian Time by default), so templates never show raw ISO timestamps.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from .i18n_forecast import FORECAST_MESSAGES
from .i18n_hoax import HOAX_MESSAGES
from .i18n_hoaxchan import HOAXCHAN_MESSAGES
from .i18n_oncall import ONCALL_MESSAGES
from .i18n_selfservice import SELF_SERVICE_MESSAGES

__all__ = ["DEFAULT_LANGUAGE", "MESSAGES", "format_datetime", "t"]

DEFAULT_LANGUAGE = "id"

#: Banten, like all of Java, lives in WIB (UTC+7); officers and residents read times in it.
DEFAULT_TIMEZONE: tzinfo = ZoneInfo("Asia/Jakarta")

MESSAGES: Mapping[str, Mapping[str, str]] = {
    # --- Problems found by content.validation and content.markup (shown to officers) ---
    "problem.variant_missing_id": {
        "id": "Versi Bahasa Indonesia (id) wajib diisi.",
        "en": "The Indonesian (id) version is required.",
    },
    "problem.title_empty": {
        "id": "Judul ({language}) wajib diisi.",
        "en": "The title ({language}) must not be empty.",
    },
    "problem.body_empty": {
        "id": "Isi pengumuman ({language}) wajib diisi.",
        "en": "The body ({language}) must not be empty.",
    },
    "problem.body_too_long": {
        "id": "Isi pengumuman ({language}) terlalu panjang: {count} karakter, paling banyak {max}.",
        "en": "The body ({language}) is too long: {count} characters, at most {max}.",
    },
    "problem.markup_image": {
        "id": "Baris {line}: gambar tidak didukung; yang dikirim hanya teks keterangannya.",
        "en": "Line {line}: images are not supported; only their alt text is sent.",
    },
    "problem.markup_html": {
        "id": "Baris {line}: kode HTML {tag} tidak didukung; yang dikirim hanya teksnya.",
        "en": "Line {line}: HTML {tag} is not supported; only its text is sent.",
    },
    "problem.also_lines": {
        "id": "Juga di baris {lines}",
        "en": "Also on lines {lines}",
    },
    "problem.also_more": {
        "id": " dan {count} baris lain",
        "en": " and {count} more",
    },
    "problem.markup_table": {
        "id": "Baris {line}: tabel tidak didukung; isinya dikirim sebagai baris teks biasa.",
        "en": "Line {line}: tables are not supported; their rows are sent as plain lines.",
    },
    "problem.markup_rule": {
        "id": "Baris {line}: garis pemisah tidak didukung; gunakan paragraf baru.",
        "en": "Line {line}: horizontal rules are not supported; use a new paragraph.",
    },
    "problem.markup_link": {
        "id": (
            "Baris {line}: tautan \u201c{href}\u201d tidak diizinkan; hanya tautan http, https, "
            "mailto, dan tel yang didukung."
        ),
        "en": (
            "Line {line}: the link \u201c{href}\u201d is not allowed; only http, https, mailto "
            "and tel links are supported."
        ),
    },
    "problem.poll_question_empty": {
        "id": "Pertanyaan jajak pendapat ({language}) wajib diisi.",
        "en": "The poll question ({language}) must not be empty.",
    },
    "problem.poll_question_too_long": {
        "id": "Pertanyaan jajak pendapat ({language}) terlalu panjang: {length} karakter, "
        "maksimum {max}.",
        "en": "The poll question ({language}) is too long: {length} characters, at most {max}.",
    },
    "problem.poll_options_too_few": {
        "id": "Jajak pendapat memerlukan sedikitnya {min} pilihan; saat ini ada {count}.",
        "en": "The poll needs at least {min} options; it has {count}.",
    },
    "problem.poll_options_too_many": {
        "id": "Jajak pendapat paling banyak memuat {max} pilihan; saat ini ada {count}.",
        "en": "The poll may have at most {max} options; it has {count}.",
    },
    "problem.poll_option_empty": {
        "id": "Pilihan ke-{number} ({language}) wajib diisi.",
        "en": "Option {number} ({language}) must not be empty.",
    },
    "problem.poll_option_too_long": {
        "id": "Pilihan ke-{number} ({language}) terlalu panjang: {length} karakter, "
        "maksimum {max}.",
        "en": "Option {number} ({language}) is too long: {length} characters, at most {max}.",
    },
    "problem.poll_option_duplicate": {
        "id": "Pilihan ke-{number} ({language}) sama dengan pilihan ke-{first}.",
        "en": "Option {number} ({language}) is the same as option {first}.",
    },
    "problem.poll_translation_option_count": {
        "id": "Terjemahan jajak pendapat ({language}) memuat {count} pilihan, sedangkan versi "
        "Bahasa Indonesia memuat {expected}.",
        "en": "The poll translation ({language}) has {count} options, but the Indonesian version "
        "has {expected}.",
    },
    "problem.poll_closes_in_past": {
        "id": "Waktu penutupan jajak pendapat ({when}) sudah lewat.",
        "en": "The poll closing time ({when}) has already passed.",
    },
    "problem.expires_in_past": {
        "id": "Masa berlaku pengumuman ({when}) sudah lewat.",
        "en": "The announcement's expiry time ({when}) has already passed.",
    },
    "problem.poll_closes_after_expiry": {
        "id": "Jajak pendapat ditutup ({closes}) setelah masa berlaku pengumuman berakhir "
        "({expires}).",
        "en": "The poll closes ({closes}) after the announcement expires ({expires}).",
    },
    "problem.target_regions_empty": {
        "id": "Wilayah sasaran wajib diisi.",
        "en": "At least one target region is required.",
    },
    "problem.target_region_blank": {
        "id": "Kode wilayah ke-{number} kosong.",
        "en": "Region code {number} is blank.",
    },
    "problem.target_kind_unknown": {
        "id": "Jenis kelompok \u201c{kind}\u201d tidak dikenal; gunakan salah satu dari: {known}.",
        "en": "Unknown group kind \u201c{kind}\u201d; use one of: {known}.",
    },
    "problem.language_unknown": {
        "id": "Kode bahasa \u201c{code}\u201d tidak dikenal; gunakan kode ISO 639-1 dua huruf "
        "kecil, misalnya id, en, su, atau jv.",
        "en": "Unknown language code \u201c{code}\u201d; use a two-letter lower-case ISO 639-1 "
        "code such as id, en, su or jv.",
    },
    # --- Strings the channels put in front of residents ---
    "priority_urgent": {"id": "PENTING", "en": "URGENT"},
    "priority_emergency": {"id": "DARURAT", "en": "EMERGENCY"},
    "poll_header": {"id": "Jajak pendapat", "en": "Poll"},
    "poll_multiple_hint": {
        "id": "Anda dapat memilih lebih dari satu jawaban.",
        "en": "You may choose more than one answer.",
    },
    "reply_with_number": {
        "id": "Balas dengan angka pilihan Anda: {choices}",
        "en": "Reply with the number of your choice: {choices}",
    },
    "poll_closes_line": {
        "id": "Jajak pendapat ditutup pada {when}.",
        "en": "The poll closes on {when}.",
    },
    "poll_closed": {
        "id": "Mohon maaf, jajak pendapat ini sudah ditutup.",
        "en": "Sorry, this poll is closed.",
    },
    "vote_recorded": {
        "id": "Terima kasih, pilihan Anda telah kami catat: {choice}",
        "en": "Thank you, we have recorded your choice: {choice}",
    },
    "source_line": {"id": "Sumber: {source}", "en": "Source: {source}"},
    "verify_line": {"id": "Cek keaslian: {url}", "en": "Check authenticity: {url}"},
    "expires_line": {"id": "Berlaku hingga {when}.", "en": "Valid until {when}."},
    "unsubscribe_line": {
        "id": "Berhenti berlangganan: {url}",
        "en": "Unsubscribe: {url}",
    },
    "problem.attachment_url": {
        "id": "Lampiran harus berupa tautan https, bukan {url!r}.",
        "en": "An attachment must be an https link, not {url!r}.",
    },
    "problem.attachment_caption_too_long": {
        "id": "Keterangan lampiran terlalu panjang ({length} karakter, paling banyak {limit}).",
        "en": "The attachment caption is too long ({length} characters, at most {limit}).",
    },
    "attachment_line": {"id": "Lampiran: {url}", "en": "Attachment: {url}"},
    # --- Group onboarding by bot commands (shown in the group) ---
    "bot.welcome": {
        "id": (
            "Assalamu'alaikum dan salam sejahtera. Saya bot resmi Dinas Kominfo untuk pengumuman "
            "terverifikasi.\n\nPerintah untuk admin grup:\n"
            "/daftar <nama atau kode wilayah> [jenis] — daftarkan grup ini (jenis: {kinds})\n"
            "/berhenti — hentikan sementara pengumuman\n/lanjut — lanjutkan pengumuman\n"
            "/status — lihat status grup\n/bantuan — bantuan"
        ),
        "en": (
            "Hello. I am the official Kominfo bot for verified announcements.\n\n"
            "Commands for group admins:\n"
            "/daftar <region name or code> [kind] — subscribe this group (kinds: {kinds})\n"
            "/berhenti — pause announcements\n/lanjut — resume announcements\n"
            "/status — show this group's status\n/bantuan — help"
        ),
    },
    "bot.admins_only": {
        "id": "Mohon maaf, perintah ini hanya dapat digunakan oleh admin grup.",
        "en": "Sorry, only the group's admins can use this command.",
    },
    "bot.daftar_usage": {
        "id": (
            "Cara pakai: /daftar <kode atau nama wilayah> [jenis], contoh: "
            "/daftar Kel. Cipocok Jaya rt atau /daftar 3671010001.RW003.RT001 rt"
        ),
        "en": (
            "Usage: /daftar <region code or name> [kind], e.g. /daftar Kel. Cipocok Jaya rt "
            "or /daftar 3671010001.RW003.RT001 rt"
        ),
    },
    "bot.unknown_region": {
        "id": "Kode wilayah {code} tidak dikenal. Mohon periksa kembali kode wilayah Anda.",
        "en": "Region code {code} is unknown. Please check the code.",
    },
    "bot.unknown_kind": {
        "id": "Jenis grup '{kind}' tidak dikenal. Pilihan: {kinds}.",
        "en": "Unknown group kind '{kind}'. Choose one of: {kinds}.",
    },
    "bot.pending": {
        "id": (
            "Terima kasih. Grup ini didaftarkan di {region} ({kind}) dan menunggu persetujuan "
            "petugas. Kami akan mengabari di sini setelah disetujui."
        ),
        "en": (
            "Thank you. This group is registered at {region} ({kind}) and awaits approval by an "
            "officer. We will tell you here once it is approved."
        ),
    },
    "bot.approved": {
        "id": "Grup ini telah disetujui dan akan menerima pengumuman resmi untuk {region}.",
        "en": "This group has been approved and will receive official announcements for {region}.",
    },
    "bot.paused": {
        "id": "Pengumuman untuk grup ini dihentikan sementara. Ketik /lanjut untuk melanjutkan.",
        "en": "Announcements to this group are paused. Send /lanjut to resume.",
    },
    "bot.resumed": {
        "id": "Pengumuman untuk grup ini dilanjutkan.",
        "en": "Announcements to this group are resumed.",
    },
    "bot.not_registered": {
        "id": "Grup ini belum terdaftar. Gunakan /daftar <kode atau nama wilayah> [jenis].",
        "en": "This group is not registered yet. Use /daftar <region code or name> [kind].",
    },
    "bot.status": {
        "id": "Status grup: {status}. Wilayah: {region} ({kind}).",
        "en": "Group status: {status}. Region: {region} ({kind}).",
    },
    "bot.cannot_now": {
        "id": "Grup ini berstatus {status}; perintah tersebut tidak dapat dijalankan.",
        "en": "This group is {status}; that command cannot be run now.",
    },
    # --- Email channel: poll links, unsubscribe, and the pages those links open ---
    "email.poll_click": {
        "id": "Klik salah satu pilihan untuk memberikan suara. Pilihan dapat diubah dengan "
        "mengklik pilihan lain.",
        "en": "Click one of the choices to vote. You can change your vote by clicking another.",
    },
    "email.why": {
        "id": "Anda menerima email ini karena alamat {address} terdaftar untuk menerima "
        "pengumuman resmi.",
        "en": (
            "You receive this email because {address} is registered for official announcements."
        ),
    },
    "email.page_title": {"id": "Pengumuman Resmi", "en": "Official Announcements"},
    "email.vote_change_hint": {
        "id": "Anda dapat mengubah pilihan dengan mengklik pilihan lain di email yang sama.",
        "en": "You can change your vote by clicking another choice in the same email.",
    },
    "email.link_invalid": {
        "id": "Tautan ini tidak sah atau tidak lengkap. Mohon gunakan tautan dari email aslinya.",
        "en": "This link is not valid or incomplete. Please use the link from the original email.",
    },
    "email.vote_expired": {
        "id": "Mohon maaf, tautan jajak pendapat ini sudah kedaluwarsa.",
        "en": "Sorry, this poll link has expired.",
    },
    "email.unsubscribe_confirm": {
        "id": "Hentikan pengumuman resmi ke alamat {address}?",
        "en": "Stop official announcements to {address}?",
    },
    "email.unsubscribe_button": {
        "id": "Ya, berhenti berlangganan",
        "en": "Yes, unsubscribe",
    },
    "email.unsubscribed": {
        "id": "Alamat {address} tidak akan menerima pengumuman lagi. Hubungi petugas Dinas "
        "Kominfo bila ingin berlangganan kembali.",
        "en": "{address} will not receive announcements any more. Contact a Kominfo officer to "
        "subscribe again.",
    },
    "wa.relay_note": {
        "id": "Yth. Admin grup: mohon teruskan pengumuman resmi yang sudah diverifikasi ini ke "
        "grup warga Anda tanpa mengubah isinya. Terima kasih.",
        "en": "Dear group admin: please forward this verified official announcement to your "
        "residents' group without changing it. Thank you.",
    },
    "wa.choose": {"id": "Pilih jawaban", "en": "Choose an answer"},
    # --- Held deliveries (shown to officers: CLI, dashboard, API) ---
    "hold.until": {
        "id": "ditahan sampai {until} ({reason})",
        "en": "held until {until} ({reason})",
    },
    "hold.open": {
        "id": "ditahan sampai petugas bertindak ({reason})",
        "en": "held until an operator acts ({reason})",
    },
    "hold.quiet_hours": {"id": "jam tenang", "en": "quiet hours"},
    "hold.daily_cap": {"id": "batas harian nomor tercapai", "en": "daily cap of the number"},
    "hold.rate_limited": {"id": "jeda dari penyedia", "en": "provider pause"},
    "hold.account_blocked": {"id": "akun diblokir penyedia", "en": "account blocked"},
    **SELF_SERVICE_MESSAGES,
    **HOAX_MESSAGES,
    **HOAXCHAN_MESSAGES,
    **ONCALL_MESSAGES,
    **FORECAST_MESSAGES,
}

_MONTHS = {
    "id": (
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}

#: Indonesia's three time zones by UTC offset, as people name them.
_ZONE_NAMES = {
    timedelta(hours=7): "WIB",
    timedelta(hours=8): "WITA",
    timedelta(hours=9): "WIT",
    timedelta(0): "UTC",
}


def t(key: str, /, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """The message ``key`` in ``lang`` with ``params`` filled in (see the module docstring)."""
    try:
        templates = MESSAGES[key]
    except KeyError:
        raise KeyError(f"unknown message key: {key!r}") from None
    language = lang if lang in templates else DEFAULT_LANGUAGE
    template = templates[language]
    filled = {
        name: format_datetime(value, language) if isinstance(value, datetime) else value
        for name, value in params.items()
    }
    return template.format(**filled)


def format_datetime(
    moment: datetime, lang: str = DEFAULT_LANGUAGE, tz: tzinfo | None = None
) -> str:
    """``moment`` as people in Indonesia write it, converted to ``tz`` (WIB by default).

    Bahasa Indonesia: ``15 Januari 2026 pukul 18.00 WIB`` (a dot between hours and minutes, as
    the official spelling guide prescribes). English: ``15 January 2026, 18:00 WIB``. Other
    languages get the Indonesian form. A naive ``moment`` is taken to be in ``tz`` already.
    """
    zone = tz or DEFAULT_TIMEZONE
    local = moment.astimezone(zone) if moment.tzinfo is not None else moment.replace(tzinfo=zone)
    offset = local.utcoffset() or timedelta(0)
    zone_name = _ZONE_NAMES.get(offset) or _utc_offset_name(offset)
    if lang == "en":
        month = _MONTHS["en"][local.month - 1]
        return f"{local.day} {month} {local.year}, {local:%H:%M} {zone_name}"
    month = _MONTHS["id"][local.month - 1]
    return f"{local.day} {month} {local.year} pukul {local:%H.%M} {zone_name}"


def _utc_offset_name(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"
