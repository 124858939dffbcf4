"""User accounts that end: a cohort of student verifiers is valid until the end of its term.

``valid_until`` is a date (valid through that whole day, Western Indonesian Time) or an ISO
date-time. From then on the user can no longer act anywhere — CLI, dashboard sessions and API
tokens all refuse with the same message — until an admin extends the account
(``broadcaster users update NAME --valid-until DATE``).
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from datetime import time as clock

from content.i18n import DEFAULT_TIMEZONE

from .errors import InputError, PermissionDenied
from .store.contract import Store
from .store.records import AuditRecord, User


def parse_valid_until(text: str) -> float:
    """``2026-12-31`` → the end of that day in WIB; ``2026-12-31T17:00+07:00`` as written."""
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            end = datetime.combine(day + timedelta(days=1), clock(), tzinfo=DEFAULT_TIMEZONE)
            return end.timestamp()
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"valid until {text!r}: write a date as YYYY-MM-DD (valid through that day, WIB)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=DEFAULT_TIMEZONE)
    return moment.timestamp()


def describe(at: float) -> str:
    """The moment an account ends, as people read it: "2026-12-31 24:00 WIB"."""
    local = datetime.fromtimestamp(at, DEFAULT_TIMEZONE)
    if local.time() == clock():
        return f"{(local - timedelta(days=1)).date().isoformat()} 24:00 WIB"
    return f"{local:%Y-%m-%d %H:%M} WIB"


def expired_message(name: str, at: float) -> str:
    return (
        f"user {name!r} expired at the end of {describe(at)}; an admin can extend the "
        f"account with 'broadcaster users update {name} --valid-until YYYY-MM-DD'"
    )


async def ensure_current(store: Store, user: User, now: float | None = None) -> User:
    """``user`` when their account has not ended; PermissionDenied saying when it did."""
    until = await store.user_valid_until(user.name)
    if until is not None and (time.time() if now is None else now) >= until:
        raise PermissionDenied(expired_message(user.name, until))
    return user


async def set_valid_until(store: Store, actor: str, name: str, until: float | None) -> None:
    detail = {"valid_until": None if until is None else describe(until)}
    await store.set_user_valid_until(
        name,
        until,
        AuditRecord(
            actor=actor,
            action="user.valid_until",
            object_type="user",
            object_id=name,
            detail=detail,
        ),
    )
