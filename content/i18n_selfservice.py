"""Texts of self-service (issue 13): commands as plain words on WhatsApp, DAFTAR by name, 1:1
subscriptions, e-mail double opt-in and account invitations. Merged into
:data:`content.i18n.MESSAGES`."""

from __future__ import annotations

from collections.abc import Mapping

SELF_SERVICE_MESSAGES: Mapping[str, Mapping[str, str]] = {
    "ss.welcome_plain": {
        "id": (
            "Assalamu'alaikum dan salam sejahtera. Nomor ini milik Dinas Kominfo untuk pengumuman "
            "resmi yang sudah diverifikasi.\n\nPerintah untuk admin grup (ketik saja, tanpa "
            "garis miring):\n"
            "DAFTAR <kode atau nama wilayah> [jenis] — daftarkan grup ini, contoh: "
            "DAFTAR Kel. Cipocok Jaya rt (jenis: {kinds})\n"
            "BERHENTI — hentikan sementara pengumuman\nLANJUT — lanjutkan pengumuman\n"
            "STATUS — lihat status grup\nBANTUAN — pesan ini"
        ),
        "en": (
            "Hello. This number belongs to Kominfo and sends verified official announcements."
            "\n\nCommands for group admins (plain words, no slash needed):\n"
            "DAFTAR <region code or name> [kind] — subscribe this group, e.g. "
            "DAFTAR Kel. Cipocok Jaya rt (kinds: {kinds})\n"
            "BERHENTI — pause announcements\nLANJUT — resume announcements\n"
            "STATUS — show this group's status\nBANTUAN — this message"
        ),
    },
    "ss.welcome_direct": {
        "id": (
            "Halo! Ini layanan pengumuman resmi Dinas Kominfo.\n"
            "DAFTAR <nama kelurahan/desa atau kode wilayah> — terima pengumuman untuk wilayah "
            "Anda, contoh: DAFTAR Kel. Cipocok Jaya\n"
            "BERHENTI (atau STOP) — berhenti menerima pesan\nLANJUT — terima lagi\n"
            "STATUS — lihat langganan Anda\nBANTUAN — pesan ini"
        ),
        "en": (
            "Hello! This is Kominfo's official announcement service.\n"
            "DAFTAR <village name or region code> — receive announcements for your area, e.g. "
            "DAFTAR Kel. Cipocok Jaya\n"
            "BERHENTI (or STOP) — stop receiving messages\nLANJUT — receive them again\n"
            "STATUS — show your subscription\nBANTUAN — this message"
        ),
    },
    "ss.ask_region": {
        "id": (
            "Wilayah mana? Tulis DAFTAR lalu nama kelurahan/desa (boleh dengan kecamatan atau "
            "kotanya) atau kode wilayah, contoh: DAFTAR Kel. Cipocok Jaya, Kota Serang"
        ),
        "en": (
            "Which area? Write DAFTAR and the village name (with its district or city if you "
            "like) or the region code, e.g. DAFTAR Kel. Cipocok Jaya, Kota Serang"
        ),
    },
    "ss.no_match": {
        "id": (
            'Wilayah "{text}" tidak ditemukan. Periksa ejaannya, tambahkan kecamatan atau '
            "kotanya (contoh: DAFTAR Kel. Cipocok Jaya, Kota Serang), atau pakai kode wilayah."
        ),
        "en": (
            'No region called "{text}" was found. Check the spelling, add its district or '
            "city (e.g. DAFTAR Kel. Cipocok Jaya, Kota Serang), or use the region code."
        ),
    },
    "ss.choose": {
        "id": "Ada beberapa wilayah dengan nama itu. Balas dengan nomornya:\n{options}",
        "en": "Several regions have that name. Answer with its number:\n{options}",
    },
    "ss.choose_range": {
        "id": "Mohon balas dengan nomor 1 sampai {count}.",
        "en": "Please answer with a number from 1 to {count}.",
    },
    "ss.direct_subscribed": {
        "id": (
            "Terima kasih. Anda akan menerima pengumuman resmi untuk {region}. Ketik BERHENTI "
            "kapan saja untuk berhenti."
        ),
        "en": (
            "Thank you. You will receive official announcements for {region}. Send BERHENTI "
            "(STOP) at any time to stop."
        ),
    },
    "ss.direct_paused": {
        "id": "Anda tidak akan menerima pengumuman lagi. Ketik LANJUT untuk menerimanya kembali.",
        "en": "You will not receive announcements any more. Send LANJUT to receive them again.",
    },
    "ss.direct_resumed": {
        "id": "Anda kembali menerima pengumuman resmi untuk {region}.",
        "en": "You receive official announcements for {region} again.",
    },
    "ss.direct_status": {
        "id": "Langganan Anda: {status}. Wilayah: {region}.",
        "en": "Your subscription: {status}. Region: {region}.",
    },
    "ss.direct_not_registered": {
        "id": "Anda belum berlangganan. Ketik DAFTAR <nama kelurahan/desa atau kode wilayah>.",
        "en": "You are not subscribed. Send DAFTAR <village name or region code>.",
    },
    "ss.optin_mail": {
        "id": (
            "Seseorang (semoga Anda) meminta alamat ini menerima pengumuman resmi Dinas Kominfo "
            "Banten. Untuk memastikan, buka tautan ini dalam {hours} jam:\n{link}\n\n"
            "Jika Anda tidak memintanya, abaikan surel ini: Anda tidak akan menerima apa pun."
        ),
        "en": (
            "Someone (hopefully you) asked for this address to receive official announcements "
            "from Dinas Kominfo Banten. To confirm, open this link within {hours} hours:\n"
            "{link}\n\nIf you did not ask for it, ignore this e-mail: you will receive nothing."
        ),
    },
    "ss.invite_mail": {
        "id": (
            "Anda diundang ke dasbor pengumuman resmi Dinas Kominfo Banten sebagai {name}. "
            "Buat kata sandi Anda sendiri lewat tautan ini (berlaku 72 jam, sekali pakai):\n"
            "{link}"
        ),
        "en": (
            "You are invited to Dinas Kominfo Banten's official announcement dashboard as "
            "{name}. Set your own password with this link (valid 72 hours, once):\n{link}"
        ),
    },
}
