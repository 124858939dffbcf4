"""Texts of the on-call lane (issue 15): the alert an on-call verifier receives when an
emergency or a CAP draft waits for verification, and its escalations. Merged into
:data:`content.i18n.MESSAGES`. Approval itself happens on the linked dashboard page (logged in,
CSRF-protected), never by answering this message."""

from __future__ import annotations

from collections.abc import Mapping

ONCALL_MESSAGES: Mapping[str, Mapping[str, str]] = {
    "oncall.alert": {
        "id": (
            "⚠️ PERLU VERIFIKASI SEGERA ({kind})\n"
            "{title}\n"
            "Sumber: {source}\n"
            "Wilayah: {regions}\n"
            "Periksa dan setujui atau tolak di dasbor (login diperlukan):\n{link}\n"
            "Pesan ini tidak bisa dibalas untuk menyetujui."
        ),
        "en": (
            "⚠️ VERIFICATION NEEDED NOW ({kind})\n"
            "{title}\n"
            "Source: {source}\n"
            "Regions: {regions}\n"
            "Check it and approve or reject it in the dashboard (login required):\n{link}\n"
            "Replying to this message cannot approve it."
        ),
    },
    "oncall.escalated": {
        "id": ("⏰ ESKALASI tingkat {level}: belum ada yang menyetujui dalam {minutes} menit.\n"),
        "en": "⏰ ESCALATION level {level}: nobody approved within {minutes} minutes.\n",
    },
    "oncall.kind.emergency": {"id": "darurat", "en": "emergency"},
    "oncall.kind.cap": {"id": "peringatan resmi CAP", "en": "official CAP warning"},
    "oncall.no_source": {"id": "(tanpa sumber)", "en": "(no source)"},
}
