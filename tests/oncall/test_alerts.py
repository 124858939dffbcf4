"""On-call verifiers are alerted through the real sandboxes (Telegram Bot API emulator, the
aiosmtpd rig, the WhatsApp Cloud API emulator) when an emergency is submitted or a CAP draft
arrives; the rota's windows are respected; nobody approving within ``escalate_after`` reaches
the next on-call and then the admins (an injected clock, no waiting); a restart repeats no
alert; approval closes the alerts."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from adapters.email import EmailAdapter
from adapters.telegram import TelegramAdapter
from adapters.whatsapp import WhatsAppAdapter
from broadcaster.engine import Engine
from broadcaster.oncall.manage import Window, add_entry
from broadcaster.oncall.rota import clock
from broadcaster.store.records import AnnouncementRecord, AuditRecord, Role
from content.hashing import content_hash
from content.model import Announcement, Priority, Target, Variant
from tests.core.harness import Rig, rig
from tests.telegram.conftest import RELAXED
from tests.whatsapp.conftest import free_port, serve, wait_until

SERANG = "3673"
ESCALATE = 7.0  # minutes
WA_VERIFIER = "6281299990077"
JAKARTA = ZoneInfo("Asia/Jakarta")


@dataclass
class Lane:
    r: Rig
    tg: TelegramAdapter
    mail: EmailAdapter
    wa: WhatsAppAdapter
    chats: dict[str, int]  # user → Telegram private chat id

    def telegram_texts(self, user: str) -> list[str]:
        return [str(m.text) for m in self.tg.sandbox.messages(self.chats[user]) if m.text]

    def mail_texts(self, address: str) -> list[str]:
        found = []
        for message in self.mail.sandbox.messages_to(address):
            plain = message.get_body(("plain",))
            assert plain is not None
            found.append(str(plain.get_content()))
        return found

    def whatsapp_texts(self, to: str) -> list[str]:
        return [str(m.payload) for m in self.wa.sandbox.state.accepted if m.to == to]

    def alerts(self, texts: list[str]) -> list[str]:
        return [t for t in texts if "PERLU VERIFIKASI" in t]


def rec(action: str) -> AuditRecord:
    return AuditRecord(actor="admin", action=action, object_type="test", object_id="")


def off_duty_window() -> Window:
    """A daily window that starts two hours from now (Jakarta) and lasts one hour."""
    start = datetime.now(JAKARTA) + timedelta(hours=2)
    end = start + timedelta(hours=1)
    return Window(days="daily", start=f"{start:%H:%M}", end=f"{end:%H:%M}")


@asynccontextmanager
async def lane(tmp_path: Path, scan_seconds: float = 60.0) -> AsyncIterator[Lane]:
    port = free_port()
    accounts = {
        "tg": {"adapter": "telegram", "sandbox": True},
        "surel": {"adapter": "email", "sandbox": True},
        "wa": {
            "adapter": "whatsapp",
            "sandbox": True,
            "template": "pengumuman_resmi",
            "webhook_url": f"http://127.0.0.1:{port}/hooks/wa/whatsapp",
        },
    }
    # a long scan interval: alerts arriving at once prove the submit woke the alerter
    oncall = {
        "escalate_after": ESCALATE,
        "scan_seconds": scan_seconds,
        "accounts": {"telegram": "tg", "email": "surel", "whatsapp": "wa"},
    }
    async with rig(tmp_path, accounts=accounts, oncall=oncall) as r, serve(r.engine, port):
        r.app.workflow.on_alert = r.engine.work.wants_alerts  # as the web mount wires it
        tg, mail, wa = r.app.adapters["tg"], r.app.adapters["surel"], r.app.adapters["wa"]
        assert isinstance(tg, TelegramAdapter)
        assert isinstance(mail, EmailAdapter)
        assert isinstance(wa, WhatsAppAdapter)
        tg.sandbox.configure_limits(RELAXED)
        (bot,) = tg.sandbox.state.bots
        chats: dict[str, int] = {}
        for name in ("verifier", "night"):
            person = tg.sandbox.community.add_user(name)
            tg.sandbox.community.start_private(person.id, bot)  # the bot may write to them
            chats[name] = person.id
        # the WhatsApp verifier wrote to the number today: the 24-hour window is open
        wa.sandbox.inbound(WA_VERIFIER, text="siap piket")
        await wait_until(lambda: _window_open(r, WA_VERIFIER), within=10)
        yield Lane(r, tg, mail, wa, chats)


async def _window_open(r: Rig, address: str) -> bool:
    return await r.app.store.last_inbound("wa", address) is not None


async def rota(lane: Lane) -> None:
    """verifier (Telegram), verifier2 (e-mail), serang_verifier (WhatsApp): always on duty;
    "night" (Telegram) only in a window that does not cover now, last in rota order."""
    d = lane.r.app.directory
    await lane.r.app.store.add_user("night", Role.verifier, "36", rec("user.add"))
    await add_entry(d, "admin", "verifier", "telegram", str(lane.chats["verifier"]), Window())
    await add_entry(d, "admin", "verifier2", "email", "verifier2@kominfo.test", Window())
    await add_entry(d, "admin", "serang_verifier", "whatsapp", WA_VERIFIER, Window())
    await add_entry(d, "admin", "night", "telegram", str(lane.chats["night"]), off_duty_window())


async def emergency(r: Rig, title: str = "Banjir Sungai Cibanten") -> AnnouncementRecord:
    content = Announcement(
        variants={"id": Variant(title=title, body="Warga bantaran sungai **mengungsi**.")},
        priority=Priority.emergency,
        source="BPBD Kota Serang",
        target=Target(regions=[SERANG]),
    )
    record = await r.app.workflow.create("officer", content)
    return await r.app.workflow.submit("officer", record.id)


async def arrived(check: Callable[[], list[str]], count: int = 1, within: float = 10) -> list[str]:
    async def enough() -> bool:
        return len(check()) >= count

    await wait_until(enough, within=within)
    return check()


async def test_oncall_verifiers_on_three_channels_then_escalation(tmp_path: Path) -> None:
    async with lane(tmp_path) as ln:
        r = ln.r
        await rota(ln)
        started = time.monotonic()
        record = await emergency(r)
        link = f"http://127.0.0.1:8080/emergency/{record.id}"
        [tg_alert] = await arrived(lambda: ln.alerts(ln.telegram_texts("verifier")))
        [mail_alert] = await arrived(lambda: ln.alerts(ln.mail_texts("verifier2@kominfo.test")))
        [wa_alert] = await arrived(lambda: ln.alerts(ln.whatsapp_texts(WA_VERIFIER)))
        assert time.monotonic() - started < 30  # woken by the submit, not the 60 s scan
        for text in (tg_alert, mail_alert, wa_alert):
            assert "Banjir Sungai Cibanten" in text
            assert "BPBD Kota Serang" in text
            assert link in text
            assert "KOTA SERANG (3673)" in text
        # the alert carries no button, and answering it in the chat approves nothing
        alert_message = [
            m for m in ln.tg.sandbox.messages(ln.chats["verifier"]) if "PERLU" in str(m.text)
        ]
        assert [m.reply_markup for m in alert_message] == [None]
        (bot,) = ln.tg.sandbox.state.bots
        for answer in (f"/approve {record.id}", "SETUJU", "ya"):
            ln.tg.sandbox.community.private_message(ln.chats["verifier"], bot, answer)
        updates = ln.tg.sandbox.state.queue(bot)

        async def handled() -> bool:  # fetched and confirmed by the bot's next getUpdates
            return updates.pending_count == 0

        await wait_until(handled, within=10)
        assert (await r.app.store.get_announcement(record.id)).status.value == "submitted"
        # the window of "night" does not cover now: not told at level 0
        assert ln.alerts(ln.telegram_texts("night")) == []
        log = await r.app.store.alerts_for(record.id)
        assert sorted((a.username, a.level) for a in log) == [
            ("serang_verifier", 0),
            ("verifier", 0),
            ("verifier2", 0),
        ]
        # not approved within escalate_after: the next on-call in rota order ("night")
        alerter = r.engine.alerter
        assert await alerter.round() == 0  # nothing is due yet
        base = time.time()
        alerter.clock = lambda: base + ESCALATE * 60 + 1
        assert await alerter.round() == 1
        [night] = await arrived(lambda: ln.alerts(ln.telegram_texts("night")))
        assert "ESKALASI tingkat 1" in night and link in night
        # still nobody: the admins (admin has an e-mail address in its profile)
        await r.app.store.set_user_email("admin", "admin@kominfo.test", rec("user.email"))
        assert await alerter.round() == 0  # level 1 was just sent: wait again
        alerter.clock = lambda: base + 2 * ESCALATE * 60 + 2
        assert await alerter.round() == 1
        [admin] = await arrived(lambda: ln.alerts(ln.mail_texts("admin@kominfo.test")))
        assert "ESKALASI tingkat 2" in admin
        alerter.clock = lambda: base + 10 * ESCALATE * 60
        assert await alerter.round() == 0  # the admins were the last level
        # the author (officer) and verifiers outside the scope are never told
        told = {a.username for a in await r.app.store.alerts_for(record.id)}
        assert told == {"verifier", "verifier2", "serang_verifier", "night", "admin"}

        # approval (the workflow the dashboard uses) closes every alert with the outcome
        await r.app.workflow.approve("verifier", record.id)
        await alerter.round()
        assert {a.outcome for a in await r.app.store.alerts_for(record.id)} == {"approved"}
        metric = r.engine.metrics.registry.get_sample_value
        assert metric("broadcaster_oncall_alerts_total", {"level": "0", "channel": "email"}) == 1
        assert metric("broadcaster_oncall_alerts_total", {"level": "1", "channel": "telegram"}) == 1
        assert metric("broadcaster_emergency_stage_seconds_count", {"stage": "human"}) == 1
        assert metric("broadcaster_oncall_waiting") == 0


async def test_a_restart_repeats_no_alert(tmp_path: Path) -> None:
    async with lane(tmp_path) as ln:
        r = ln.r
        await rota(ln)
        record = await emergency(r)
        await arrived(lambda: ln.alerts(ln.telegram_texts("verifier")))
        await arrived(lambda: ln.alerts(ln.whatsapp_texts(WA_VERIFIER)))
        await arrived(lambda: ln.alerts(ln.mail_texts("verifier2@kominfo.test")))
        # the engine stops (a crash or a deploy) and a new one starts on the same store
        await r.engine.stop()
        again = Engine(r.app.store, r.app.settings, r.app.adapters)
        r.engine = again
        await again.start()
        try:
            assert await again.alerter.round() == 0
            await again.send_notices()
            await r.engine.drain(5)
        finally:
            await again.stop()
            r.engine = Engine(r.app.store, r.app.settings, r.app.adapters)
            await r.engine.start()  # the rig stops it
        assert len(ln.alerts(ln.telegram_texts("verifier"))) == 1
        assert len(ln.alerts(ln.whatsapp_texts(WA_VERIFIER))) == 1
        assert len(ln.alerts(ln.mail_texts("verifier2@kominfo.test"))) == 1
        assert len(await r.app.store.alerts_for(record.id)) == 3


async def test_cap_drafts_alert_and_ordinary_announcements_do_not(tmp_path: Path) -> None:
    async with lane(tmp_path, scan_seconds=0.2) as ln:
        r = ln.r
        await rota(ln)
        # an ordinary (non-emergency) announcement submitted: nobody is called
        content = Announcement(
            variants={"id": Variant(title="Kerja bakti", body="Minggu pagi.")},
            target=Target(regions=[SERANG]),
        )
        plain = await r.app.workflow.create("officer", content)
        await r.app.workflow.submit("officer", plain.id)
        # a CAP draft as the CAP importer makes it (author system:cap:<feed>), not submitted
        cap = Announcement(
            variants={"id": Variant(title="Peringatan Dini Cuaca", body="Hujan lebat.")},
            priority=Priority.urgent,
            source="BMKG",
            target=Target(regions=[SERANG]),
        )
        draft = await r.app.store.create_announcement(
            "system:cap:bmkg",
            cap,
            content_hash(cap),
            rec("announcement.create"),
        )
        [text] = await arrived(lambda: ln.alerts(ln.telegram_texts("verifier")))
        assert "peringatan resmi CAP" in text and "BMKG" in text
        assert f"/emergency/{draft.id}" in text
        await r.engine.alerter.round()
        assert await r.app.store.alerts_for(plain.id) == []


def test_windows_past_midnight_and_weekdays() -> None:
    from broadcaster.oncall.rota import covers, days_text, parse_days
    from broadcaster.store.contract.oncall import OncallEntry

    def entry(days: str, start: int, end: int) -> OncallEntry:
        return OncallEntry(
            id=1,
            username="u",
            channel="email",
            address="a@b.c",
            days=parse_days(days),
            start_minute=start,
            end_minute=end,
            position=1,
            created_by="admin",
            created_at=0.0,
        )

    weekdays = entry("mon-fri", 7 * 60, 19 * 60)
    monday_9 = datetime(2026, 12, 7, 9, 0, tzinfo=JAKARTA)  # a Monday
    assert covers(weekdays, monday_9)
    assert not covers(weekdays, monday_9.replace(hour=19))  # the end is exclusive
    assert not covers(weekdays, monday_9 - timedelta(days=1))  # Sunday
    night = entry("fri", 19 * 60, 7 * 60)  # Friday 19:00 to Saturday 07:00
    friday = datetime(2026, 12, 11, 23, 0, tzinfo=JAKARTA)
    assert covers(night, friday)
    assert covers(night, friday + timedelta(hours=7))  # Saturday 06:00
    assert not covers(night, friday + timedelta(hours=8))  # Saturday 07:00
    assert not covers(night, friday - timedelta(days=1))  # Thursday 23:00
    assert parse_days("fri-mon") == ("mon", "fri", "sat", "sun")
    assert clock(1440) == "24:00"
    assert days_text(parse_days("mon-fri")) == "mon-fri"
    assert days_text(parse_days("daily")) == "daily"
    assert days_text(parse_days("sat,sun")) == "sat,sun"
    assert datetime.now(UTC)  # (the rota's timezone comes from config; see lane())


async def test_an_undeliverable_alert_escalates_without_waiting(tmp_path: Path) -> None:
    """The only on-call verifier on duty is on WhatsApp and has not written to the number
    today (no 24-hour window): the message fails, so the next on-call is told at once instead
    of after escalate_after."""
    async with lane(tmp_path, scan_seconds=0.2) as ln:
        r = ln.r
        d = r.app.directory
        await r.app.store.add_user("night", Role.verifier, "36", rec("user.add"))
        silent = "6281299990099"  # never wrote to the number
        await add_entry(d, "admin", "serang_verifier", "whatsapp", silent, Window())
        await add_entry(d, "admin", "night", "telegram", str(ln.chats["night"]), off_duty_window())
        record = await emergency(r)

        async def failed() -> bool:
            return any(a.failed for a in await r.app.store.alerts_for(record.id))

        await wait_until(failed, within=10)
        [night] = await arrived(lambda: ln.alerts(ln.telegram_texts("night")))
        assert "ESKALASI tingkat 1" in night
        log = await r.app.store.alerts_for(record.id)
        assert [(a.username, a.level, a.failed) for a in log] == [
            ("serang_verifier", 0, True),
            ("night", 1, False),
        ]
        assert ln.alerts(ln.whatsapp_texts(silent)) == []
