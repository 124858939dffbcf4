"""The Inbox's ``report`` events (what every channel adapter produces) on a real store: filed,
deduplicated, acknowledged with the case code in the chat they came from; the reporter is
stored only as a salted hash; an empty report gets instructions; a report of a case already
ruled gets the verdict at once."""

from __future__ import annotations

from typing import Any

from broadcaster.adapter import InboundEvent
from broadcaster.hoaxdesk import verdicts
from broadcaster.inbox import Inbox
from broadcaster.store.contract import Store
from content.i18n import t
from tests.hoaxdesk.conftest import ACCOUNT, GROUP
from tests.store.support import TAJUR_RT1

HOAX = (
    "Info dari grup sebelah!! Mulai besok 12 Desember pemerintah akan memblokir semua akun "
    "WhatsApp yang tidak terdaftar NIK. Daftar segera di https://bit.ly/3wAdaFTR?utm_source=wa"
)


def event(event_id: str, address: str, **data: Any) -> InboundEvent:
    payload = {
        "user": "62811000111",
        "text": HOAX,
        "media": None,
        "media_hash": None,
        "direct": False,
        "forwarded": False,
        "message_id": None,
    }
    payload.update(data)
    return InboundEvent(
        kind="report", account=ACCOUNT, event_id=event_id, address=address, data=payload
    )


async def test_a_group_report_is_filed_once_and_acknowledged_there(
    inbox: Inbox, desk_store: Store
) -> None:
    assert await inbox.handle(event("e1", GROUP))
    assert not await inbox.handle(event("e1", GROUP))  # redelivered: applied once
    [case] = await desk_store.list_hoax_cases()
    assert case.reports == 1 and case.regions == (TAJUR_RT1,) and case.channels == ("file",)
    [notice] = await desk_store.pending_notices(ACCOUNT)
    assert notice.address == GROUP
    assert notice.text == t("hoax.ack", "id", code=case.code)
    [stored] = await desk_store.hoax_reports(case.id)
    assert stored.reporter is not None and "62811000111" not in stored.reporter
    assert stored.address == GROUP and stored.content is not None and "NIK" in stored.content
    # the same hoax forwarded privately, without the wrapper: the same case, answered privately
    variant = HOAX.replace("Info dari grup sebelah!! ", "").replace("?utm_source=wa", "")
    assert await inbox.handle(event("e2", "6281299", text=variant.upper(), direct=True))
    [again] = await desk_store.list_hoax_cases()
    assert again.id == case.id and again.reports == 2
    private = [n for n in await desk_store.pending_notices(ACCOUNT) if n.address == "6281299"]
    assert [n.text for n in private] == [t("hoax.ack", "id", code=case.code)]


async def test_an_empty_report_gets_instructions(inbox: Inbox, desk_store: Store) -> None:
    assert await inbox.handle(event("e1", GROUP, text="  "))
    assert await desk_store.list_hoax_cases() == []
    [notice] = await desk_store.pending_notices(ACCOUNT)
    assert notice.text == t("hoax.empty", "id")


async def test_media_alone_is_a_report_and_the_same_media_joins(
    inbox: Inbox, desk_store: Store
) -> None:
    await inbox.handle(event("e1", GROUP, text="", media="AgADx9"))
    await inbox.handle(event("e2", GROUP, text="lihat ini", media="AgADx9", user="other"))
    [case] = await desk_store.list_hoax_cases()
    assert case.reports == 2


async def test_a_report_of_a_ruled_case_gets_the_verdict_at_once(
    inbox: Inbox, desk_store: Store
) -> None:
    await inbox.handle(event("e1", GROUP))
    [case] = await desk_store.list_hoax_cases()
    await verdicts.propose(
        desk_store,
        case.id,
        label="hoaks",
        explanation="Kominfo tidak pernah memblokir akun WhatsApp berdasarkan NIK.",
        sources=["https://www.komdigi.go.id/"],
        acting="verifier",
        claim="Akun WhatsApp tanpa NIK diblokir mulai 12 Desember",
    )
    await verdicts.confirm(desk_store, case.id, acting="verifier2", public_url=inbox.public_url)
    await inbox.handle(event("e2", "6281277", direct=True, user="late"))
    texts = [n.text for n in await desk_store.pending_notices(ACCOUNT) if n.address == "6281277"]
    assert len(texts) == 1
    assert texts[0].startswith(f"Terima kasih. Pesan ini sudah diperiksa ({case.code}): HOAKS")
    assert f"https://lapor.example/hoaks/{case.code}" in texts[0]
