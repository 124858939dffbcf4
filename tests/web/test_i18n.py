"""The dashboard speaks Bahasa Indonesia by default and English after the switch; every message
in the templates has an Indonesian translation in the Babel catalog."""

from __future__ import annotations

import re

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from broadcaster.web.i18n import LOCALE_DIR, load
from broadcaster.web.pages.render import TEMPLATES
from tests.web.conftest import Web


def _template_messages() -> set[str]:
    found = extract_from_dir(
        str(TEMPLATES),
        method_map=[("**.html", "jinja2")],
        options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
    )
    return {str(message) for _, _, message, _, _ in found}


def test_every_template_message_is_translated() -> None:
    with (LOCALE_DIR / "id" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="id")
    translated = {str(m.id): str(m.string) for m in catalog if m.id and m.string}
    messages = _template_messages()
    assert len(messages) > 100
    missing = sorted(messages - set(translated))
    assert not missing, f"add Indonesian translations for: {missing}"
    assert load("id").gettext("Log in") == "Masuk"


async def test_indonesian_by_default_and_english_switch(web: Web) -> None:
    async with web.client() as client:
        page = await client.get("/login")
        assert page.status_code == 200
        assert '<html lang="id">' in page.text and "Kata sandi" in page.text
        switched = await client.get("/lang/en?next=/login")
        assert switched.status_code == 303 and switched.headers["location"] == "/login"
        page = await client.get("/login")
        assert '<html lang="en">' in page.text and "Password" in page.text
        # the switch never redirects off-site
        away = await client.get("/lang/id?next=//evil.example/x")
        assert away.headers["location"] == "/announcements"


def _rendered(macro: str, value: str, lang: str) -> str:
    from broadcaster.web.pages.render import environment

    env = environment(lang, "Asia/Jakarta")
    template = env.from_string(f'{{% from "macros.html" import {macro} %}}{{{{ {macro}(v) }}}}')
    return template.render(v=value).strip()


def test_every_status_role_level_and_kind_is_translated() -> None:
    """Each value of every enum shown to users renders as its Indonesian catalog text: a value
    the macros do not know (e.g. a new status) falls back to the raw English value and fails."""
    from broadcaster.store.contract import REPLY_STATUSES
    from broadcaster.store.records import (
        DeliveryStatus,
        DispatchStatus,
        GroupStatus,
        Role,
        ScheduleStatus,
    )
    from content.model import GROUP_KINDS, Level
    from content.workflow import Status

    with (LOCALE_DIR / "id" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="id")
    translated = {str(m.id): str(m.string) for m in catalog if m.id and m.string}
    cases: list[tuple[str, list[str]]] = [
        (
            "status_text",
            sorted(
                {str(v) for e in (Status, DispatchStatus, GroupStatus) for v in e}
                | {str(v) for e in (DeliveryStatus, ScheduleStatus) for v in e}
                | set(REPLY_STATUSES)
            ),
        ),
        ("role", [str(r) for r in Role]),
        ("level", [str(lv) for lv in Level]),
        ("kind", list(GROUP_KINDS)),
        ("schedule_kind", ["now", "once", "cron"]),
    ]
    untranslated = []
    for macro, values in cases:
        for value in values:
            english = _rendered(macro, value, "en")
            indonesian = _rendered(macro, value, "id")
            if english not in translated or translated[english] != indonesian:
                untranslated.append(f"{macro}({value!r}) -> {indonesian!r}")
    assert not untranslated, f"untranslated: {untranslated}"
    assert _rendered("status_text", "done", "id") == "selesai"


def test_no_template_shows_a_raw_enum_value() -> None:
    """A status, role, level or kind shown as text goes through its label macro: a raw
    ``{{ x.value }}`` between tags would show English code words to Indonesian readers
    (values inside attributes, such as links and CSS classes, are fine)."""
    raw = re.compile(r">[^<>]*\{\{\s*[\w.]+\.value\s*\}\}[^<>]*<")
    offenders = [
        f"{path.name}: {match.group(0).strip()}"
        for path in sorted(TEMPLATES.glob("*.html"))
        for match in raw.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, offenders
