"""The public registry's Atom feed (RFC 4287), written with the standard library's XML writer
(ElementTree escapes every text and attribute, so a verdict's text cannot break the XML)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from content.i18n import t

from ..store.contract.hoaxes import HoaxCase, HoaxVerdict
from .verdicts import public_case_url

ATOM = "http://www.w3.org/2005/Atom"
FEED_TITLE = "Cek hoaks — Dinas Kominfo Banten"


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def atom_feed(items: Sequence[tuple[HoaxCase, HoaxVerdict]], public_url: str) -> bytes:
    """The feed of ``items`` (newest first), links under ``public_url``."""
    ET.register_namespace("", ATOM)
    base = public_url.rstrip("/")
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "id"})
    _add(feed, "id", f"{base}/hoaks")
    _add(feed, "title", FEED_TITLE)
    newest = max((v.decided_at or v.at for _, v in items), default=time.time())
    _add(feed, "updated", _iso(newest))
    _add(feed, "link", rel="self", href=f"{base}/hoaks/feed.atom")
    _add(feed, "link", rel="alternate", type="text/html", href=f"{base}/hoaks")
    author = _add(feed, "author")
    _add(author, "name", "Dinas Komunikasi dan Informatika Provinsi Banten")
    for case, verdict in items:
        url = public_case_url(base, case.code)
        entry = _add(feed, "entry")
        _add(entry, "id", url)
        _add(entry, "title", f"[{t(f'hoax.label.{verdict.label}', 'id')}] {verdict.claim}")
        _add(entry, "updated", _iso(verdict.decided_at or verdict.at))
        _add(entry, "published", _iso(verdict.decided_at or verdict.at))
        _add(entry, "link", rel="alternate", type="text/html", href=url)
        _add(entry, "category", term=verdict.label)
        lines = [verdict.explanation, *(f"Sumber: {s}" for s in verdict.sources)]
        lines.append(f"Laporan warga: {case.reports}")
        _add(entry, "summary", "\n".join(lines), type="text")
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body
