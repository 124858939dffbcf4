"""Adding, listing and removing rota entries: authorised (admins manage the rota; anyone may
read it) and audited. Shared by the CLI and any other front end."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..auth import Perm, allowed, require
from ..directory import Directory
from ..errors import InputError
from ..store.contract.oncall import NewOncall, OncallEntry
from ..store.records import AuditRecord
from .rota import parse_clock, parse_days
from .settings import CHANNELS

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TELEGRAM = re.compile(r"^-?\d{1,20}$")  # a chat id (the verifier's private chat with the bot)
_PHONE = re.compile(r"^\+?\d{8,15}$")  # E.164 digits


@dataclass(frozen=True, kw_only=True)
class Window:
    days: str = "daily"
    start: str = "00:00"
    end: str = "24:00"


def check_address(channel: str, address: str) -> str:
    """The address in its stored form, or InputError saying what the channel expects."""
    value = address.strip()
    if channel == "email" and _EMAIL.match(value):
        return value.lower()
    if channel == "telegram" and _TELEGRAM.match(value):
        return value
    if channel == "whatsapp" and _PHONE.match(value):
        return value.removeprefix("+")
    if channel not in CHANNELS:
        raise InputError(f"channel {channel!r}: use one of {', '.join(CHANNELS)}")
    expects = {
        "email": "an e-mail address",
        "telegram": "a numeric chat id (the user's chat with the bot)",
        "whatsapp": "a phone number with country code, e.g. 6281234567890",
    }[channel]
    raise InputError(f"address {address!r} for {channel}: expected {expects}")


async def add_entry(
    directory: Directory,
    acting: str,
    username: str,
    channel: str,
    address: str,
    window: Window,
    position: int | None = None,
) -> OncallEntry:
    """Put ``username`` on call (an admin's action). The user must be able to verify."""
    admin = await directory.actor(acting)
    require(admin, Perm.users_manage)
    user = await directory.store.get_user(username)
    if not allowed(user, Perm.announcements_verify):
        raise InputError(
            f"{username!r} is {user.role.value} and cannot approve announcements; "
            "on-call verifiers must be verifiers or admins"
        )
    start, end = parse_clock(window.start), parse_clock(window.end, end=True)
    if start == end and not (start == 0 and end == 0):
        raise InputError("the window is empty: --from and --to are equal")
    entry = NewOncall(
        username=user.name,
        channel=channel,
        address=check_address(channel, address),
        days=parse_days(window.days),
        start_minute=start,
        end_minute=end if end else 24 * 60,
        position=position,
    )
    return await directory.store.add_oncall(
        entry,
        AuditRecord(
            actor=admin.name,
            action="oncall.add",
            object_type="oncall",
            object_id="",
            detail={
                "user": entry.username,
                "channel": channel,
                "days": list(entry.days),
                "from": window.start,
                "to": window.end,
            },
        ),
    )


async def remove_entry(directory: Directory, acting: str, entry_id: int) -> OncallEntry:
    admin = await directory.actor(acting)
    require(admin, Perm.users_manage)
    return await directory.store.remove_oncall(
        entry_id,
        AuditRecord(
            actor=admin.name,
            action="oncall.remove",
            object_type="oncall",
            object_id=str(entry_id),
        ),
    )


async def list_entries(
    directory: Directory, acting: str, username: str | None = None
) -> list[OncallEntry]:
    require(await directory.actor(acting), Perm.read)
    return await directory.store.list_oncall(username)
