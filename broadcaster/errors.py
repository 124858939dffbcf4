"""The one error tree of broadcaster.

::

    BroadcasterError
    ├── ConfigError            bad config.toml value or environment variable
    ├── InputError             bad input from a person (CLI flag, file, API field)
    │   ├── RegionImportError  a wilayah CSV row that cannot be imported (file, line, problem)
    │   ├── ContentInvalid     an announcement with validation problems (all listed)
    │   └── CapInvalid         a CAP 1.2 alert that is not valid or not safe XML (all listed)
    ├── NotFound               a named object does not exist
    ├── Conflict               uniqueness or state conflict (duplicate group, wrong status)
    │   └── Expired            the announcement expired; it is not sent
    ├── NotAuthenticated       no valid login session or API token (web: 401 / login page)
    ├── PermissionDenied       role, region scope, read-only token or CSRF check forbids it
    ├── IntegrityError         content hash differs from the approved hash; audit chain broken
    ├── AdapterNotFound        unknown adapter name in config (lists the known ones)
    ├── InboundError           a channel's inbound side (an IMAP mailbox, a poll) failed;
    │   │                      the adapter retries it next round
    │   └── LinkRefused        a URL (a CAP feed's link, a redirect) on a host we may not fetch
    └── DeliveryError          raised by channel adapters, mapped in exactly one place each:
        ├── TransientError     retry later with backoff (timeouts, 5xx, dropped connections)
        │   └── RecipientThrottled  this recipient only: retry after ``retry_after`` seconds
        ├── RateLimited        the provider asked us to wait ``retry_after`` seconds (whole account)
        ├── PermanentError     this message can never be delivered as is (bad request)
        ├── RecipientGone      the group/recipient removed us or no longer exists
        ├── AddressMoved       the group has a new address (``new_address``); resend there
        └── AccountBlocked     the provider restricted the whole account: pause it for
                               ``pause`` seconds (None: stop until an operator acts) and alert

Messages are meant for people: say what is wrong and what to do.
"""

from __future__ import annotations

from collections.abc import Sequence


class BroadcasterError(Exception):
    """Root of every error broadcaster raises on purpose."""


class ConfigError(BroadcasterError):
    """A configuration value is missing or invalid; the message names the key."""


class InputError(BroadcasterError):
    """Input from a person (flag, file, API field) is invalid."""


class RegionImportError(InputError):
    """A region CSV cannot be imported; nothing was imported."""

    def __init__(self, file: str, line: int, problem: str) -> None:
        self.file = file
        self.line = line
        self.problem = problem
        super().__init__(f"{file}:{line}: {problem}")


class ContentInvalid(InputError):
    """An announcement failed validation; ``problems`` lists every problem at once."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class CapInvalid(InputError):
    """A CAP alert (or a feed index) was refused: hostile or malformed XML, too large, or
    missing/invalid CAP 1.2 elements; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("CAP alert refused: " + "; ".join(self.problems))


class NotFound(BroadcasterError):
    """The named object does not exist."""


class Conflict(BroadcasterError):
    """The action conflicts with existing data or the object's current state."""


class Expired(Conflict):
    """The announcement's expiry has passed; it is not sent."""


class NotAuthenticated(BroadcasterError):
    """No valid credentials (API: 401; dashboard: redirect to the login page)."""


class PermissionDenied(BroadcasterError):
    """The acting user's role or region scope does not allow the action (or, on the web, a
    read-only token or a missing CSRF token)."""


class IntegrityError(BroadcasterError):
    """Content or audit data does not match its recorded hash."""


class AdapterNotFound(ConfigError):
    """No adapter is registered under the configured name."""


class InboundError(BroadcasterError):
    """A channel's inbound side failed (an IMAP server refused a command, a poll failed);
    the adapter logs it and tries again next round."""


class LinkRefused(InboundError):
    """A URL we were led to (a CAP index's link, a redirect) is on a host we may not fetch
    (server-side request forgery guard, broadcaster/cap/origin.py); it was not requested."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: refused, not fetched: {reason}")
        self.url = url
        self.reason = reason


class DeliveryError(BroadcasterError):
    """A channel adapter could not deliver a message. Subclasses say what to do next."""

    def __init__(self, message: str, *, provider_code: str | None = None) -> None:
        self.provider_code = provider_code
        super().__init__(message)


class TransientError(DeliveryError):
    """Temporary failure: retry with backoff."""


class RateLimited(DeliveryError):
    """The provider asked to wait ``retry_after`` seconds before sending on this account."""

    def __init__(
        self, message: str, *, retry_after: float, provider_code: str | None = None
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, provider_code=provider_code)


class PermanentError(DeliveryError):
    """This message cannot be delivered as is; retrying will not help."""


class RecipientGone(DeliveryError):
    """The recipient removed or blocked us, or no longer exists."""


class AddressMoved(DeliveryError):
    """The recipient has a new address; the delivery should be resent there."""

    def __init__(self, message: str, *, new_address: str, provider_code: str | None = None) -> None:
        self.new_address = new_address
        super().__init__(message, provider_code=provider_code)


class RecipientThrottled(TransientError):
    """The provider limits messages to this one recipient (WhatsApp's pair rate): retry this
    delivery after ``retry_after`` seconds; the rest of the account keeps sending."""

    def __init__(
        self, message: str, *, retry_after: float, provider_code: str | None = None
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, provider_code=provider_code)


class AccountBlocked(DeliveryError):
    """The provider restricted the whole account (spam limit, policy block, expired token).
    The sender pauses the account for ``pause`` seconds, or stops it when ``pause`` is None,
    keeps the delivery queued and raises an alert (metrics, health, logs)."""

    def __init__(
        self, message: str, *, pause: float | None, provider_code: str | None = None
    ) -> None:
        self.pause = pause
        super().__init__(message, provider_code=provider_code)
