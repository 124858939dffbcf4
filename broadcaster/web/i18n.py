"""Dashboard translations: gettext catalogs (Babel ``.po`` files) compiled in memory at start.

Message ids are English; ``locale/id/LC_MESSAGES/messages.po`` holds the Bahasa Indonesia text,
which is the default language. No build step: :func:`load` parses the ``.po`` file with Babel and
builds the catalog on startup. ``tests/web/test_i18n.py`` extracts every message from the
templates and Python sources and fails when one lacks an Indonesian translation.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("id", "en")
DEFAULT = "id"


@cache
def load(lang: str) -> gettext.NullTranslations:
    """The compiled catalog of ``lang`` (English, the message ids, needs none)."""
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang == "en" or not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def pick(requested: str | None, accept_language: str = "") -> str:
    """The language to show: the cookie's choice, else Indonesian (the default).

    The browser's Accept-Language is ignored on purpose: officials' machines are often set to
    English while the office works in Bahasa Indonesia; the switch in the header changes it.
    """
    return requested if requested in LANGUAGES else DEFAULT


def gettext_for(lang: str) -> gettext.NullTranslations:
    return load(lang if lang in LANGUAGES else DEFAULT)
