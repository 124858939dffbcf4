"""The dashboard speaks Bahasa Indonesia by default and English after the switch; every message
in the templates has an Indonesian translation in the Babel catalog."""

from __future__ import annotations

import re

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from broadcaster.web.i18n import LOCALE_DIR, load
from broadcaster.web.pages.render import TEMPLATES
from tests.web.conftest import Web

SOURCES = TEMPLATES.parent  # broadcaster/web: templates and the Python that calls _() / ngettext
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


def _extracted() -> dict[str, tuple[str | None, list[str]]]:
    """msgid → (msgid_plural, where) of every message in the templates and Python sources,
    extracted with Babel's own extractors (jinja2's for templates)."""
    found: dict[str, tuple[str | None, list[str]]] = {}
    method_map = [("templates/**.html", "jinja2"), ("**.py", "python")]
    options_map = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    for filename, lineno, message, _, _ in extract_from_dir(
        str(SOURCES), method_map=method_map, options_map=options_map, keywords=KEYWORDS
    ):
        msgid, plural = (message[0], message[1]) if isinstance(message, tuple) else (message, None)
        entry = found.setdefault(str(msgid), (plural, []))
        entry[1].append(f"{filename}:{lineno}")
    return found


def _catalog() -> dict[str, tuple[str | None, list[str]]]:
    with (LOCALE_DIR / "id" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="id")
    out: dict[str, tuple[str | None, list[str]]] = {}
    for m in catalog:
        if not m.id:
            continue
        if isinstance(m.id, tuple):
            strings = [str(x) for x in m.string] if isinstance(m.string, tuple | list) else []
            out[str(m.id[0])] = (str(m.id[1]), strings)
        else:
            out[str(m.id)] = (None, [str(m.string)] if m.string else [])
    return out


def _template_messages() -> set[str]:
    return set(_extracted())


def test_every_template_message_is_translated() -> None:
    """Every message of every template and every _() / ngettext call in broadcaster/web has an
    Indonesian translation (a plural one for ngettext). Pages other engineers add are covered
    as soon as they exist: the failure lists each missing msgid with where it is used."""
    catalog = _catalog()
    messages = _extracted()
    assert len(messages) > 100
    missing = []
    for msgid, (plural, where) in sorted(messages.items()):
        have = catalog.get(msgid)
        if have is None or not any(have[1]):
            missing.append(f"{msgid!r} (plural {plural!r}) used at {', '.join(where[:3])}")
        elif plural is not None and have[0] != plural:
            missing.append(f"{msgid!r}: catalog lacks the plural entry msgid_plural {plural!r}")
    assert not missing, (
        f"{len(missing)} message(s) lack an Indonesian translation in "
        "broadcaster/web/locale/id/LC_MESSAGES/messages.po:\n  " + "\n  ".join(missing)
    )
    assert load("id").gettext("Log in") == "Masuk"


def test_plurals_go_through_the_catalog() -> None:
    """ "1 grup" / "1 group", "2 groups": ngettext with Babel's plural forms, in both languages."""
    from broadcaster.web.pages.render import environment

    template = '{{ ngettext("%(num)d group", "%(num)d groups", n) }}'
    english = environment("en", "Asia/Jakarta").from_string(template)
    indonesian = environment("id", "Asia/Jakarta").from_string(template)
    assert [english.render(n=n) for n in (1, 2)] == ["1 group", "2 groups"]
    assert [indonesian.render(n=n) for n in (1, 2)] == ["1 grup", "2 grup"]


def test_priority_select_is_translated() -> None:
    from broadcaster.web.pages.render import environment

    env = environment("id", "Asia/Jakarta")
    shown = env.from_string(
        '{% from "macros.html" import priority_text %}'
        '{% for p in ["normal", "urgent", "emergency"] %}[{{ priority_text(p) }}]{% endfor %}'
    ).render()
    expected = "".join(f"[{load('id').gettext(p)}]" for p in ("normal", "urgent", "emergency"))
    assert shown == expected and "[normal]" not in shown and "[urgent]" not in shown, shown


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

    translated = {k: v[1][0] for k, v in _catalog().items() if v[0] is None and v[1]}
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


def test_no_select_shows_a_raw_code_word() -> None:
    """An option showing the same variable it submits (``value="{{ k }}">{{ k }}``) shows a
    code word such as ``urgent`` or ``majelis_taklim`` instead of its label; user names (the
    token page's user picker) are the one list that is shown as it is."""
    raw = re.compile(r'<option value="\{\{ (\w+) \}\}"[^>]*>\{\{ \1 \}\}</option>')
    offenders = [
        f"{path.name}: {match.group(0)}"
        for path in sorted(TEMPLATES.glob("*.html"))
        for match in raw.finditer(path.read_text(encoding="utf-8"))
        if match.group(1) != "u"  # user names
    ]
    assert not offenders, offenders
