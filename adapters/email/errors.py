"""The ONE place where SMTP failures become broadcaster's delivery errors.

=====================================================  ===========================================
SMTP outcome                                           DeliveryError
=====================================================  ===========================================
421, 451, 452 (server busy, "try again later", too     RateLimited (the account waits
many messages / recipients)                            ``rate_limit_pause`` seconds)
any other 4xx                                          TransientError (retried with backoff)
550, 551, 553 for the recipient (RCPT), unless the     RecipientGone (the group is marked removed)
enhanced status says policy (5.7.x) or a system
problem (5.3.x, 5.4.x)
535 / 534 / 530 authentication                         TransientError naming the login problem:
                                                       every message would fail the same way, so
                                                       they wait for the fix instead of failing
any other 5xx                                          PermanentError
connection refused / dropped, timeouts, TLS errors     TransientError
=====================================================  ===========================================

RFC 3463 enhanced codes (``5.1.1``) matter: Microsoft answers ``550 5.7.515`` to unauthenticated
bulk mail, which says nothing about the mailbox and must not remove a group.
"""

from __future__ import annotations

import re
import ssl

import aiosmtplib

from broadcaster.errors import (
    DeliveryError,
    PermanentError,
    RateLimited,
    RecipientGone,
    TransientError,
)

RATE_CODES = {421, 451, 452}
GONE_CODES = {550, 551, 553}
AUTH_CODES = {530, 534, 535}
_ENHANCED = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")


def enhanced_status(message: str) -> tuple[int, int, int] | None:
    match = _ENHANCED.match(message)
    if match is None:
        return None
    return int(match[1]), int(match[2]), int(match[3])


def map_smtp_error(exc: BaseException, *, rate_limit_pause: float) -> DeliveryError:
    """The DeliveryError for a failed SMTP exchange (see the table in the module docstring)."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        exc = exc.recipients[0]
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        code, text = exc.code, " ".join(str(exc.message).split())
        what = f"SMTP {code} {text}".strip()
        provider = str(code)
        if code in RATE_CODES:
            return RateLimited(
                f"the SMTP server asked to slow down: {what}",
                retry_after=rate_limit_pause,
                provider_code=provider,
            )
        if 400 <= code < 500:
            return TransientError(f"temporary SMTP failure: {what}", provider_code=provider)
        if code in AUTH_CODES:
            return TransientError(
                f"the SMTP server refused our login ({what}); check username and password_env",
                provider_code=provider,
            )
        enhanced = enhanced_status(text)
        # 5.1.x bad address, 5.2.1 mailbox disabled; 5.2.2 (mailbox full) is not "gone"
        mailbox_problem = enhanced is None or (enhanced[1] in (1, 2) and enhanced[2] != 2)
        if (
            isinstance(exc, aiosmtplib.SMTPRecipientRefused)
            and code in GONE_CODES
            and mailbox_problem
        ):
            return RecipientGone(f"mailbox does not exist: {what}", provider_code=provider)
        return PermanentError(f"rejected by the SMTP server: {what}", provider_code=provider)
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected | aiosmtplib.SMTPConnectError):
        return TransientError(f"SMTP connection failed: {exc}")
    if isinstance(exc, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return TransientError(f"SMTP timed out: {exc}")
    if isinstance(exc, ssl.SSLError):
        return TransientError(f"SMTP TLS failed: {exc}")
    if isinstance(exc, aiosmtplib.SMTPException | OSError):
        return TransientError(f"SMTP failed: {type(exc).__name__}: {exc}")
    return TransientError(f"unexpected SMTP failure: {type(exc).__name__}: {exc}")
