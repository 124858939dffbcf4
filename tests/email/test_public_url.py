"""Issue 11.10: email vote and unsubscribe links use ``service.public_url``, in sandbox mode too
(they pointed at http://127.0.0.1:8080 whatever the service's public address was)."""

from __future__ import annotations

import asyncio
from email import message_from_bytes, policy
from pathlib import Path

from broadcaster.store.records import GroupStatus
from content.model import Announcement, Poll, Target, Variant
from tests.core.harness import rig

PUBLIC = "https://siaran.bantenprov.go.id"


async def test_sandbox_email_links_use_the_service_public_url(tmp_path: Path) -> None:
    accounts = {"mail": {"adapter": "email", "sandbox": True}}
    async with rig(tmp_path, service={"public_url": PUBLIC + "/"}, accounts=accounts) as r:
        await r.app.directory.add_group(
            "officer", "mail", "rt001@warga.id", "3671010001", "rt", status=GroupStatus.active
        )
        content = Announcement(
            variants={"id": Variant(title="Jajak", body="Isi.")},
            poll=Poll(question="Tergenang?", options=["Ya", "Tidak"]),
            source="BPBD Banten",
            target=Target(regions=["3671010001"]),
        )
        wf = r.app.workflow
        record = await wf.create("officer", content)
        await wf.submit("officer", record.id)
        await r.dispatch_now(await wf.approve("verifier", record.id))
        folder = tmp_path / "var" / "email" / "mail"
        for _ in range(300):
            if list(folder.glob("*.eml")):
                break
            await asyncio.sleep(0.02)
    mails = sorted(folder.glob("*.eml"))
    assert mails
    message = message_from_bytes(mails[0].read_bytes(), policy=policy.default)
    text = "\n".join(
        str(part.get_content()) for part in message.walk() if part.get_content_maintype() == "text"
    )
    assert f"{PUBLIC}/hooks/mail/unsubscribe/" in str(message["List-Unsubscribe"])
    assert f"{PUBLIC}/hooks/mail/vote/" in text
    assert "127.0.0.1:8080" not in text
