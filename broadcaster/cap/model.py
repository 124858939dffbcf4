"""CAP 1.2 (OASIS Common Alerting Protocol, 2010) as data: the enumerations of the standard and
the parts of an alert the broadcaster reads and writes.

Only what we use is modelled (``parameter``, ``resource``, polygons and circles are kept in the
raw XML the verifier can read, not here).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

NS = "urn:oasis:names:tc:emergency:cap:1.2"

STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")
MSG_TYPES = ("Alert", "Update", "Cancel", "Ack", "Error")
SCOPES = ("Public", "Restricted", "Private")
CATEGORIES = (
    "Geo",
    "Met",
    "Safety",
    "Security",
    "Rescue",
    "Fire",
    "Health",
    "Env",
    "Transport",
    "Infra",
    "CBRNE",
    "Other",
)
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")

#: the order of ``alert``'s children in the CAP 1.2 schema (an xs:sequence)
ALERT_ORDER = (
    "identifier",
    "sender",
    "sent",
    "status",
    "msgType",
    "source",
    "scope",
    "restriction",
    "addresses",
    "code",
    "note",
    "references",
    "incidents",
    "info",
)
#: the order of ``info``'s children in the schema
INFO_ORDER = (
    "language",
    "category",
    "event",
    "responseType",
    "urgency",
    "severity",
    "certainty",
    "audience",
    "eventCode",
    "effective",
    "onset",
    "expires",
    "senderName",
    "headline",
    "description",
    "instruction",
    "web",
    "contact",
    "parameter",
    "resource",
    "area",
)
AREA_ORDER = ("areaDesc", "polygon", "circle", "geocode", "altitude", "ceiling")


@dataclass(frozen=True, kw_only=True)
class CapArea:
    area_desc: str
    #: (valueName, value) pairs, in document order
    geocodes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, kw_only=True)
class CapInfo:
    language: str  # as written, "en-US" when absent (the standard's default)
    categories: tuple[str, ...]
    event: str
    urgency: str
    severity: str
    certainty: str
    sender_name: str | None = None
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None
    web: str | None = None
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    areas: tuple[CapArea, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CapReference:
    sender: str
    identifier: str
    sent: str


@dataclass(frozen=True, kw_only=True)
class CapAlert:
    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    scope: str
    references: tuple[CapReference, ...] = ()
    note: str | None = None
    infos: tuple[CapInfo, ...] = field(default_factory=tuple)
