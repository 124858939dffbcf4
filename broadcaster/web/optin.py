"""E-mail double opt-in for the public ``/daftar`` page.

The form asks for an address, a region (a name or a code) and a kind. Nothing is stored then:
the address gets a confirmation mail whose link carries the request, signed with the
installation's secret and valid for :data:`CONFIRM_HOURS` hours. Only following that link
creates the subscription (an active e-mail group), so an address nobody confirmed never
receives an announcement. The one-click unsubscribe link in every announcement stays.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from content.i18n import t
from content.levels import GROUP_KINDS

from ..errors import Conflict, Expired, InputError, NotFound
from ..store.contract import Store
from ..store.records import AuditRecord, Group, GroupStatus, NewGroup

CONFIRM_HOURS = 48
EMAIL = re.compile(r"[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
ACTOR = "email-optin"


@dataclass(frozen=True)
class OptIn:
    account: str
    address: str
    region: str
    kind: str
    language: str


class OptIns:
    def __init__(self, secret: bytes, hours: float = CONFIRM_HOURS) -> None:
        key = hashlib.sha256(b"broadcaster-optin:" + secret).digest()
        self._serializer = URLSafeTimedSerializer(key, salt="optin")
        self.max_age = int(hours * 3600)

    def token(self, request: OptIn) -> str:
        return str(
            self._serializer.dumps(
                [request.account, request.address, request.region, request.kind, request.language]
            )
        )

    def read(self, token: str) -> OptIn:
        try:
            value = self._serializer.loads(token, max_age=self.max_age)
        except SignatureExpired:
            raise Expired("this confirmation link has expired; subscribe again") from None
        except BadSignature:
            raise InputError("this confirmation link is not valid") from None
        if not isinstance(value, list) or len(value) != 5:
            raise InputError("this confirmation link is not valid")
        return OptIn(*(str(v) for v in value))


def check_request(address: str, kind: str, language: str) -> tuple[str, str, str]:
    bare = address.strip().lower()
    if not EMAIL.fullmatch(bare) or len(bare) > 254:
        raise InputError("address")
    if kind not in GROUP_KINDS:
        raise InputError("kind")
    return bare, kind, language if language in ("id", "en") else "id"


async def ask_confirmation(store: Store, optins: OptIns, public_url: str, request: OptIn) -> None:
    """Queue the confirmation mail (the running service's notifier sends it)."""
    link = f"{public_url.rstrip('/')}/daftar/confirm/{optins.token(request)}"
    text = t("ss.optin_mail", request.language, link=link, hours=optins.max_age // 3600)
    await store.add_notice(request.account, request.address, text)


async def confirm(store: Store, request: OptIn) -> Group:
    """Create (or reactivate) the subscription the link asked for."""
    if not await store.get_regions([request.region]):
        raise NotFound(f"region {request.region} does not exist any more")
    group = await store.find_group("email", request.account, request.address)
    audit_detail = {"region": request.region, "via": "double opt-in"}
    if group is None:
        try:
            return await store.add_group(
                NewGroup(
                    channel="email",
                    account=request.account,
                    address=request.address,
                    region=request.region,
                    kind=request.kind,
                    title="",
                    language=request.language,
                    status=GroupStatus.active,
                    subscribed_by=ACTOR,
                ),
                AuditRecord(
                    actor=ACTOR,
                    action="group.add",
                    object_type="group",
                    object_id="",
                    detail=audit_detail,
                ),
            )
        except Conflict:
            group = await store.find_group("email", request.account, request.address)
            assert group is not None
    if group.status is GroupStatus.active and group.region == request.region:
        return group
    return await store.update_group(
        group.id,
        AuditRecord(
            actor=ACTOR,
            action="group.resubscribe",
            object_type="group",
            object_id=str(group.id),
            detail=audit_detail,
        ),
        status=GroupStatus.active,
        region=request.region,
        kind=request.kind,
    )
