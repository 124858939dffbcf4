"""The one place that maps broadcaster errors onto HTTP status codes (API and dashboard)."""

from __future__ import annotations

from schedules.spec import ScheduleError

from ..errors import (
    BroadcasterError,
    Conflict,
    ContentInvalid,
    InputError,
    IntegrityError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
)


def status_of(exc: BaseException) -> int:
    if isinstance(exc, NotAuthenticated):
        return 401
    if isinstance(exc, PermissionDenied):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict | IntegrityError):
        return 409
    if isinstance(exc, InputError | ScheduleError):
        return 422
    return 500 if not isinstance(exc, BroadcasterError) else 400


def problems_of(exc: BaseException) -> list[str]:
    return list(exc.problems) if isinstance(exc, ContentInvalid) else []


#: the exceptions both apps turn into answers instead of 500s
HANDLED: tuple[type[Exception], ...] = (
    BroadcasterError,
    ScheduleError,
)
