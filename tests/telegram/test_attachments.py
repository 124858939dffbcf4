"""Announcements with photo and document attachments: validated, hashed, loaded, rendered, sent."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.telegram import TelegramAdapter
from adapters.textual import plain_text
from broadcaster.adapter import RenderContext
from content.hashing import content_hash
from content.loader import parse_announcement_text
from content.model import Announcement, Attachment, Poll, Target, Variant
from content.validation import PollLimits, validate

CTX = RenderContext(4, "ATT4", None)
MAP = "https://bpbd.bantenprov.go.id/peta-genangan.png"


def with_attachments(*items: Attachment) -> Announcement:
    return Announcement(
        variants={"id": Variant(title="Peta genangan", body="Lihat peta & panduan berikut.")},
        poll=Poll(question="Sudah membaca panduan?", options=["Sudah", "Belum"]),
        target=Target(regions=["36"]),
        attachments=list(items),
    )


def test_validation_lists_bad_urls_and_long_captions() -> None:
    bad = with_attachments(
        Attachment(kind="photo", url="http://insecure.example/peta.png"),
        Attachment(kind="document", url=MAP, caption="x" * 1025),
    )
    problems = {(p.code, p.field) for p in validate(bad, PollLimits(), datetime.now(UTC))}
    assert problems == {
        ("attachment_url", "attachments[0].url"),
        ("attachment_caption_too_long", "attachments[1].caption"),
    }
    good = with_attachments(Attachment(kind="photo", url=MAP, caption="Peta <genangan>"))
    assert validate(good, PollLimits(), datetime.now(UTC)) == []


def test_attachments_are_part_of_the_approved_hash() -> None:
    plain = with_attachments()
    photo = with_attachments(Attachment(kind="photo", url=MAP))
    captioned = with_attachments(Attachment(kind="photo", url=MAP, caption="Peta"))
    assert len({content_hash(plain), content_hash(photo), content_hash(captioned)}) == 3


def test_front_matter_attachments_load() -> None:
    text = (
        "---\ntitle: Peta\ntarget:\n  regions: ['36']\nattachments:\n"
        f"  - kind: photo\n    url: {MAP}\n    caption: Peta genangan\n---\nIsi.\n"
    )
    loaded = parse_announcement_text(text)
    assert loaded.attachments == [Attachment(kind="photo", url=MAP, caption="Peta genangan")]


def test_text_channels_list_the_attachments() -> None:
    text = plain_text(
        with_attachments(Attachment(kind="document", url=MAP, caption="Peta")), "id", CTX
    )
    assert f"Lampiran: {MAP} (Peta)" in text


async def test_photo_and_document_follow_the_text_before_the_poll(
    tg: TelegramAdapter, chat: str
) -> None:
    announcement = with_attachments(
        Attachment(kind="photo", url=MAP, caption="Peta <genangan> & jalur"),
        Attachment(kind="document", url="https://bpbd.bantenprov.go.id/panduan.pdf"),
    )
    messages = tg.render(announcement, "id", CTX)
    assert [m.kind for m in messages] == ["text", "photo", "document", "poll"]
    for message in messages:
        await tg.send(message, chat)
    arrived = tg.sandbox.messages(int(chat))
    assert [m.kind for m in arrived] == ["text", "photo", "document", "poll"]
    assert arrived[1].text == "Peta <genangan> & jalur"  # escaped on the way, shown as typed
    assert arrived[2].document is not None
    assert arrived[2].document["file_name"] == "panduan.pdf"
