"""Texts of the hoax report paths on each channel (issue 14): how residents report a suspicious
message with ``/lapor`` or ``LAPOR``. Merged into :data:`content.i18n.MESSAGES`. The hoax desk's
own texts (acknowledgements with the case code, verdicts) live in ``content/i18n_hoax.py``."""

from __future__ import annotations

from collections.abc import Mapping

HOAXCHAN_MESSAGES: Mapping[str, Mapping[str, str]] = {
    # a bare /lapor in a Telegram group (no message replied to)
    "lapor.howto_group": {
        "id": (
            "Cara melaporkan pesan yang mencurigakan (dugaan hoaks): balas (reply) pesan itu "
            "dengan /lapor. Tim verifikasi akan memeriksanya dan memberi kabar di grup ini. "
            "Bisa juga lewat chat pribadi dengan bot ini: teruskan (forward) pesannya, atau "
            "tulis /lapor <isi pesan>."
        ),
        "en": (
            "To report a suspicious message (possible hoax): reply to it with /lapor. The "
            "verification team checks it and answers in this group. You can also write to this "
            "bot privately: forward the message, or write /lapor <text of the message>."
        ),
    },
    # a bare /lapor in a private Telegram chat
    "lapor.howto_direct": {
        "id": (
            "Cara melaporkan pesan yang mencurigakan (dugaan hoaks): teruskan (forward) pesan "
            "itu ke sini, atau tulis /lapor <isi pesan atau tautannya>. Anda akan menerima kode "
            "laporan, lalu hasil pemeriksaan tim verifikasi."
        ),
        "en": (
            "To report a suspicious message (possible hoax): forward it here, or write "
            "/lapor <the text or its link>. You get a case code now and the verification team's "
            "verdict later."
        ),
    },
    # a bare LAPOR in a WhatsApp group (WAHA), without a quoted message
    "lapor.howto_plain": {
        "id": (
            "Cara melaporkan pesan yang mencurigakan (dugaan hoaks): balas (reply) pesan itu "
            "dengan kata LAPOR. Tim verifikasi akan memeriksanya dan memberi kabar di grup ini."
        ),
        "en": (
            "To report a suspicious message (possible hoax): reply to it with the word LAPOR. "
            "The verification team checks it and answers in this group."
        ),
    },
    # a bare LAPOR in a 1:1 WhatsApp chat with nothing forwarded just before
    "lapor.howto_direct_plain": {
        "id": (
            "Cara melaporkan pesan yang mencurigakan (dugaan hoaks): tulis LAPOR <isi pesan atau "
            "tautannya>, atau teruskan (forward) pesan itu ke nomor ini lalu kirim LAPOR. Anda "
            "akan menerima kode laporan, lalu hasil pemeriksaan tim verifikasi."
        ),
        "en": (
            "To report a suspicious message (possible hoax): write LAPOR <the text or its link>, "
            "or forward the message to this number and then send LAPOR. You get a case code now "
            "and the verification team's verdict later."
        ),
    },
    # a LAPOR mail with nothing in it (no body, no attachment)
    "lapor.howto_email": {
        "id": (
            "Cara melaporkan pesan yang mencurigakan (dugaan hoaks) lewat e-mail: kirim atau "
            "teruskan pesan itu ke alamat ini dengan subjek yang diawali LAPOR, dan tempel "
            "teksnya atau lampirkan gambarnya. Anda akan menerima kode laporan, lalu hasil "
            "pemeriksaan tim verifikasi."
        ),
        "en": (
            "To report a suspicious message (possible hoax) by e-mail: send or forward it to "
            "this address with a subject starting with LAPOR, and paste its text or attach its "
            "picture. You get a case code now and the verification team's verdict later."
        ),
    },
}
