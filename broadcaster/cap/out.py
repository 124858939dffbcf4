"""CAP out: every approved announcement as a CAP 1.2 alert, and an Atom index of the latest,
so other alerting systems (SAMBRO, Google Public Alerts, a regency's own) take our verified
messages.

* ``identifier`` = ``<short code>-<first 16 hex of the approved hash>``: an edit that is
  approved again is a new message; a cancelled announcement is published as ``msgType=Cancel``
  (identifier ``…-cancel``) referencing the alert it withdraws.
* ``sent`` = when the last needed approval was given, with the service time zone's offset
  (``-00:00`` for UTC, never ``Z``: CAP 1.2 forbids letter zones).
* one ``info`` per language variant (``id`` → ``id-ID``, ``en`` → ``en-US``). Category, event,
  urgency, severity and certainty are the original warning's when the announcement came from
  CAP; otherwise category ``Safety``, event = the title, urgency × severity from the priority
  (:data:`PRIORITY_OUT`, the inverse of the intake's table), certainty ``Unknown``.
* ``web`` = the public /v page; one ``area`` naming the target regions in ``areaDesc`` with
  each region code as a ``geocode`` (valueName ``KODE_WILAYAH``).

Elements are written in the order of the CAP 1.2 schema (xs:sequence).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, SubElement, tostring

from content.levels import Priority
from content.markup import parse, to_plain

from ..store.records import AnnouncementRecord, Region
from .model import NS, CapInfo

ATOM = "http://www.w3.org/2005/Atom"
CAP_MEDIA_TYPE = "application/cap+xml"
GEOCODE_NAME = "KODE_WILAYAH"
#: priority → (urgency, severity) for announcements written by people
PRIORITY_OUT: Mapping[Priority, tuple[str, str]] = {
    Priority.emergency: ("Immediate", "Severe"),
    Priority.urgent: ("Expected", "Moderate"),
    Priority.normal: ("Future", "Minor"),
}
_LANGUAGES = {"id": "id-ID", "en": "en-US"}


def cap_datetime(moment: datetime, zone: tzinfo) -> str:
    """``2026-12-06T14:10:00+07:00``; UTC as ``-00:00`` (CAP 1.2 §3.3.2)."""
    text = moment.astimezone(zone).replace(microsecond=0).isoformat()
    return text[:-6] + "-00:00" if text.endswith("+00:00") else text


def default_sender(public_url: str) -> str:
    return "broadcaster@" + (urlsplit(public_url).hostname or "localhost")


@dataclass(frozen=True, kw_only=True)
class Published:
    """What the CAP of one approved announcement is made of."""

    record: AnnouncementRecord
    approved_at: datetime
    regions: Mapping[str, Region]
    #: the CAP warning the announcement was drafted from (its main info block), if any
    origin: CapInfo | None = None


@dataclass(frozen=True, kw_only=True)
class Issuer:
    sender: str
    sender_name: str
    public_url: str
    zone: tzinfo


def identifier_of(record: AnnouncementRecord) -> str:
    assert record.approved_hash is not None
    return f"{record.short_code}-{record.approved_hash[:16]}"


def _text(parent: Element, name: str, value: str | None) -> None:
    if value is not None and value != "":
        SubElement(parent, f"{{{NS}}}{name}").text = value


def _info(item: Published, issuer: Issuer, lang: str) -> Element:
    content = item.record.content
    variant = content.variant(lang)
    origin = item.origin
    info = Element(f"{{{NS}}}info")
    _text(info, "language", _LANGUAGES.get(lang, lang))
    for category in origin.categories if origin else ("Safety",):
        _text(info, "category", category)
    urgency, severity = PRIORITY_OUT[content.priority]
    _text(info, "event", origin.event if origin else variant.title)
    _text(info, "urgency", origin.urgency if origin else urgency)
    _text(info, "severity", origin.severity if origin else severity)
    _text(info, "certainty", origin.certainty if origin else "Unknown")
    _text(info, "effective", cap_datetime(item.approved_at, issuer.zone))
    if content.expires_at is not None:
        _text(info, "expires", cap_datetime(content.expires_at, issuer.zone))
    name = issuer.sender_name
    _text(info, "senderName", f"{name} (sumber: {content.source})" if content.source else name)
    _text(info, "headline", variant.title)
    _text(info, "description", to_plain(parse(variant.body).document).strip())
    _text(info, "web", f"{issuer.public_url}/v/{item.record.short_code}")
    codes = sorted(content.target.regions)
    area = SubElement(info, f"{{{NS}}}area")
    names = [item.regions[c].name.title() if c in item.regions else c for c in codes]
    _text(area, "areaDesc", ", ".join(names) or "Provinsi Banten")
    for code in codes:
        geocode = SubElement(area, f"{{{NS}}}geocode")
        _text(geocode, "valueName", GEOCODE_NAME)
        _text(geocode, "value", code)
    return info


def render_alert(item: Published, issuer: Issuer) -> bytes:
    """The CAP 1.2 XML of one approved (or approved, then cancelled) announcement."""
    record = item.record
    cancelled = record.status.value == "cancelled"
    sent = cap_datetime(item.approved_at, issuer.zone)
    alert = Element(f"{{{NS}}}alert")
    identifier = identifier_of(record)
    _text(alert, "identifier", identifier + ("-cancel" if cancelled else ""))
    _text(alert, "sender", issuer.sender)
    _text(alert, "sent", sent if not cancelled else cap_datetime(record.updated_at, issuer.zone))
    _text(alert, "status", "Actual")
    _text(alert, "msgType", "Cancel" if cancelled else "Alert")
    _text(alert, "scope", "Public")
    if cancelled:
        _text(alert, "references", f"{issuer.sender},{identifier},{sent}")
    for lang in record.content.languages:
        alert.append(_info(item, issuer, lang))
    text: bytes = tostring(alert, encoding="utf-8", default_namespace=NS, xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + text


def render_feed(items: Sequence[Published], issuer: Issuer, now: datetime) -> bytes:
    """An Atom feed of ``items`` (newest first), each entry linking its CAP file."""
    # plain names under an xmlns attribute: ElementTree's default_namespace cannot serialise
    # the (unqualified) attributes Atom uses
    feed = Element("feed", {"xmlns": ATOM})

    def add(parent: Element, name: str, text: str | None = None, **attrs: str) -> Element:
        node = SubElement(parent, name, attrs)
        if text is not None:
            node.text = text
        return node

    base = issuer.public_url
    add(feed, "id", f"{base}/cap/feed.atom")
    add(feed, "title", f"{issuer.sender_name}: peringatan dan pengumuman terverifikasi (CAP)")
    updated = max((i.approved_at for i in items), default=now)
    add(feed, "updated", updated.astimezone(issuer.zone).isoformat(timespec="seconds"))
    add(feed, "link", rel="self", href=f"{base}/cap/feed.atom", type="application/atom+xml")
    author = add(feed, "author")
    add(author, "name", issuer.sender_name)
    for item in items:
        record = item.record
        entry = add(feed, "entry")
        add(entry, "id", f"{base}/v/{record.short_code}.cap.xml#{identifier_of(record)}")
        add(entry, "title", record.content.variant("id").title)
        when = max(item.approved_at, record.updated_at)
        add(entry, "updated", when.astimezone(issuer.zone).isoformat(timespec="seconds"))
        add(
            entry,
            "link",
            rel="alternate",
            type=CAP_MEDIA_TYPE,
            href=f"{base}/v/{record.short_code}.cap.xml",
        )
        add(entry, "link", rel="related", type="text/html", href=f"{base}/v/{record.short_code}")
        add(entry, "summary", record.content.priority.value)
    text: bytes = tostring(feed, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + text
