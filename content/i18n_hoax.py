"""Texts of the hoax desk (issue 14) sent to residents: the acknowledgement of a report, the
verdict every reporter receives, and the labels. Merged into :data:`content.i18n.MESSAGES`."""

from __future__ import annotations

from collections.abc import Mapping

HOAX_MESSAGES: Mapping[str, Mapping[str, str]] = {
    "hoax.ack": {
        "id": (
            "Terima kasih, laporan Anda kami terima dengan nomor {code}. Tim verifikasi akan "
            "memeriksanya dan mengabari Anda di sini. Sementara itu, mohon jangan sebarkan "
            "pesan tersebut."
        ),
        "en": (
            "Thank you, we received your report as case {code}. Our verifiers will check it "
            "and tell you the result here. Meanwhile, please do not share the message."
        ),
    },
    "hoax.ack_known": {
        "id": (
            "Terima kasih. Pesan ini sudah diperiksa ({code}): {label}.\n{explanation}\n"
            "Selengkapnya: {url}"
        ),
        "en": (
            "Thank you. This message has already been checked ({code}): {label}.\n"
            "{explanation}\nMore: {url}"
        ),
    },
    "hoax.empty": {
        "id": (
            "Laporan kosong. Balas pesan yang mencurigakan dengan LAPOR, atau kirim "
            "LAPOR <isi pesan>."
        ),
        "en": "The report is empty. Reply LAPOR to the suspicious message, or send LAPOR <text>.",
    },
    "hoax.verdict": {
        "id": (
            "Hasil pemeriksaan laporan {code}: {label}.\n{explanation}\n"
            "Sumber dan penjelasan lengkap: {url}\nTerima kasih sudah melapor."
        ),
        "en": (
            "Result of report {code}: {label}.\n{explanation}\n"
            "Sources and full explanation: {url}\nThank you for reporting."
        ),
    },
    "hoax.label.hoaks": {"id": "HOAKS", "en": "HOAX"},
    "hoax.label.disinformasi": {"id": "DISINFORMASI", "en": "DISINFORMATION"},
    "hoax.label.misinformasi": {"id": "MISINFORMASI", "en": "MISINFORMATION"},
    "hoax.label.fakta": {"id": "FAKTA (benar)", "en": "FACT (true)"},
    "hoax.label.belum_terbukti": {"id": "BELUM TERBUKTI", "en": "UNPROVEN"},
    "hoax.clarify_title": {"id": "Klarifikasi: {claim}", "en": "Clarification: {claim}"},
    "hoax.clarify_body": {
        "id": (
            'Beredar pesan: "{claim}"\n\nHasil pemeriksaan: **{label}**.\n\n{explanation}'
            "\n\nSumber: {sources}\n\nCek selengkapnya: {url}\n\nMohon tidak menyebarkan pesan "
            "yang belum jelas kebenarannya. Laporkan pesan mencurigakan dengan membalasnya: "
            "LAPOR."
        ),
        "en": (
            'A message is circulating: "{claim}"\n\nOur check: **{label}**.\n\n{explanation}'
            "\n\nSources: {sources}\n\nMore: {url}\n\nPlease do not share unverified messages. "
            "Report a suspicious message by replying to it: LAPOR."
        ),
    },
}
