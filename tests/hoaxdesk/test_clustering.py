"""Near-identical reports join one case; different claims do not — with the kind of messages
that actually circulate in Banten's neighbourhood groups. Reports go through file_report on a
real store, so the keys, the indexed candidate lookup and the similarity rule are all used."""

from __future__ import annotations

import asyncio

import pytest

from broadcaster.errors import InputError
from broadcaster.hoaxdesk.batch import ReportBatcher
from broadcaster.hoaxdesk.cluster import canonical_url, normalise, similarity
from broadcaster.hoaxdesk.intake import ReportAck, ReportIn, file_report, file_reports
from broadcaster.store.contract import Store

SALT = b"salt"

CULIK = (
    "Hati-hati!! Beredar penculikan anak di wilayah Ciledug menggunakan mobil Avanza putih. "
    "Pelaku menyamar sebagai penjual mainan keliling. Sudah 3 anak hilang minggu ini. "
    "Video: https://bit.ly/CulikCldg"
)
CULIK_VARIANTS = [
    CULIK.upper(),  # case
    "🚨🚨 " + CULIK.replace(". ", " 😱😱. ") + " 🙏",  # emoji
    CULIK.replace(" ", "   ").replace("Pelaku", "\n\nPelaku"),  # spacing
    "Info dari grup sebelah: " + CULIK + " Sebarkan!!",  # wrapper phrases
    CULIK.replace("https://bit.ly/CulikCldg", "http://bit.ly/CulikCldg?utm_source=whatsapp"),
    CULIK.replace("https://bit.ly/CulikCldg", "bit.ly/CulikCldg/"),  # short link, no scheme
    CULIK + " Mohon jaga anak-anak kita, jangan dibiarkan main sendiri.",  # words added
    CULIK.replace("penculikan", "penculikkan"),  # a typo
    "Copas dari grup sebelah. " + CULIK.replace("Hati-hati!! ", ""),  # words dropped
]

VAKSIN = (
    "Vaksin booster yang dibagikan di puskesmas mengandung chip pelacak. Sudah banyak warga "
    "Serang yang demam setelah disuntik. Jangan mau divaksin! https://youtu.be/abcDEF12345?si=x"
)
VAKSIN_VARIANTS = [
    VAKSIN.replace("?si=x", "?si=Qw9-other&feature=shared"),
    "‼️‼️ FORWARDED MANY TIMES ‼️‼️ " + VAKSIN,
    VAKSIN.replace("https://youtu.be", "youtu.be") + " Tolong sebarkan ke keluarga",
]

# the same words, another claim: a different place, number or date
NOT_THE_SAME = [
    CULIK.replace("Ciledug", "Cipondoh"),
    CULIK.replace("Sudah 3 anak", "Sudah 5 anak"),
    CULIK.replace("Avanza putih", "Avanza hitam"),
    (
        "Besok 12 Desember 2026 akan ada pemadaman listrik total di seluruh Kota Serang "
        "selama 3 hari. Siapkan lilin dan air bersih."
    ),
    (
        "Besok 15 Desember 2026 akan ada pemadaman listrik total di seluruh Kota Serang "
        "selama 3 hari. Siapkan lilin dan air bersih."
    ),
    (
        "Besok 12 Desember 2026 akan ada pemadaman listrik total di seluruh Kabupaten Lebak "
        "selama 3 hari. Siapkan lilin dan air bersih."
    ),
    "Lowongan kerja PT Krakatau Steel tanpa tes, kirim CV dan biaya administrasi Rp 250.000.",
    "Awas, air PDAM Tirta Benteng tercemar bakteri E. coli, jangan diminum sampai Senin.",
]


async def report(store: Store, text: str, who: str = "r", **extra: str) -> ReportAck:
    return await file_report(
        store,
        ReportIn(channel="web", account=None, address=None, reporter=who, text=text, **extra),
        salt=SALT,
    )


async def test_variants_of_one_hoax_join_its_case(desk_store: Store) -> None:
    first = await report(desk_store, CULIK)
    assert first.new_case
    for i, variant in enumerate(CULIK_VARIANTS):
        ack = await report(desk_store, variant, who=f"r{i}")
        assert (ack.case_id, ack.new_case) == (first.case_id, False), variant
    case = await desk_store.get_hoax_case(first.case_id)
    assert case.reports == 1 + len(CULIK_VARIANTS)


async def test_another_hoax_opens_its_own_case_and_keeps_its_variants(
    desk_store: Store,
) -> None:
    culik = await report(desk_store, CULIK)
    vaksin = await report(desk_store, VAKSIN)
    assert vaksin.new_case and vaksin.case_id != culik.case_id
    for variant in VAKSIN_VARIANTS:
        assert (await report(desk_store, variant)).case_id == vaksin.case_id, variant


async def test_claims_that_share_most_words_but_differ_stay_apart(desk_store: Store) -> None:
    seen = {(await report(desk_store, CULIK)).case_id}
    for text in NOT_THE_SAME:
        ack = await report(desk_store, text)
        assert ack.new_case and ack.case_id not in seen, text
        seen.add(ack.case_id)


async def test_the_same_picture_joins_whatever_the_caption(desk_store: Store) -> None:
    digest = "ab" * 32
    first = await report(desk_store, "lihat foto ini", media_hash=digest)
    same = await report(desk_store, "", media_hash=digest.upper())
    by_ref = await report(desk_store, "Foto kejadian tadi pagi", media_ref="AgADBAAD")
    again = await report(desk_store, "", media_ref="AgADBAAD")
    assert same.case_id == first.case_id
    assert again.case_id == by_ref.case_id != first.case_id


async def test_the_limit_a_reworded_claim_opens_a_second_case(desk_store: Store) -> None:
    """Honest limit: replacing a word of the claim by a synonym ("penjual mainan" → "pedagang
    mainan") reads as another claim, so it is not merged (a verifier sees both cases)."""
    first = await report(desk_store, CULIK)
    reworded = await report(desk_store, CULIK.replace("penjual", "pedagang"))
    assert reworded.new_case and reworded.case_id != first.case_id


def test_links_lose_tracking_but_keep_what_identifies_them() -> None:
    assert canonical_url("https://www.detik.com/berita/123?utm_source=wa&fbclid=X#top") == (
        "detik.com/berita/123"
    )
    assert canonical_url("https://youtube.com/watch?v=AbC&si=zz&feature=share") == (
        "youtube.com/watch?v=AbC"
    )
    assert canonical_url("http://bit.ly/3XyZ.") == "bit.ly/3XyZ"  # path case kept
    assert canonical_url("bit.ly/3XyZ") != canonical_url("bit.ly/3xyz")
    assert canonical_url("https://instagram.com/p/Cx1/?igshid=abc") == "instagram.com/p/Cx1"


@pytest.mark.parametrize("text", NOT_THE_SAME[:3])
def test_the_similarity_of_different_claims_is_zero(text: str) -> None:
    assert similarity(normalise(CULIK), normalise(text)) == 0.0


def test_the_similarity_of_a_variant_is_high() -> None:
    added = CULIK + " Mohon jaga anak-anak kita"
    assert similarity(normalise(CULIK), normalise(added)) >= 0.85


async def test_variants_in_one_batch_open_one_case(desk_store: Store) -> None:
    """A burst: the first report and its variants arrive in the same transaction."""
    reports = [
        ReportIn(channel="web", account=None, address=None, reporter=f"r{i}", text=text)
        for i, text in enumerate([CULIK, VAKSIN, *CULIK_VARIANTS, *VAKSIN_VARIANTS])
    ]
    acks = await file_reports(desk_store, reports, salt=SALT)
    culik, vaksin = acks[0].case_id, acks[1].case_id
    assert culik != vaksin and acks[0].new_case and acks[1].new_case
    assert [a.case_id for a in acks[2 : 2 + len(CULIK_VARIANTS)]] == [culik] * len(CULIK_VARIANTS)
    assert [a.case_id for a in acks[2 + len(CULIK_VARIANTS) :]] == [vaksin] * len(VAKSIN_VARIANTS)
    assert sum(a.new_case for a in acks) == 2
    assert (await desk_store.get_hoax_case(culik)).reports == 1 + len(CULIK_VARIANTS)


async def test_concurrent_reports_are_filed_in_few_transactions(desk_store: Store) -> None:
    batcher = ReportBatcher(desk_store, SALT)
    texts = [CULIK, *CULIK_VARIANTS] * 5
    reports = [
        ReportIn(channel="web", account=None, address=None, reporter=f"r{i}", text=text)
        for i, text in enumerate(texts)
    ]
    acks = await asyncio.gather(*(batcher.submit(r) for r in reports))
    assert len({a.case_id for a in acks}) == 1 and sum(a.new_case for a in acks) == 1
    assert batcher.batches < len(reports) / 5  # committed together, not one by one
    with pytest.raises(InputError):
        await batcher.submit(
            ReportIn(channel="web", account=None, address=None, reporter="x", text=" ")
        )
