"""Passwords, session ids, API tokens, CSRF tokens and login throttling.

- Passwords: argon2id (argon2-cffi ``PasswordHasher``), hashed and checked in a worker thread so
  the event loop never blocks for the ~50 ms a hash takes.
- Session ids and API tokens: 32 random bytes; the store keeps only their SHA-256.
- Session cookie: the session id signed with itsdangerous (the secret from ``BROADCASTER_SECRET``,
  see :func:`broadcaster.inbox.load_salt`), so a forged cookie is rejected before any lookup.
- CSRF: an HMAC of the session id, sent in every form (hidden field) and by JavaScript in the
  ``X-CSRF-Token`` header; checked on every unsafe request made with a session cookie.
- Throttling: failed logins per (username, client address) in a sliding window, counted in the
  database so that every web process shares them.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeSerializer

from ..errors import InputError

if TYPE_CHECKING:
    from ..store.contract import Store

TOKEN_PREFIX = "bc_"
MIN_PASSWORD = 10

_hasher = PasswordHasher()
# a real hash to compare against when the user does not exist, so timing does not tell
_DUMMY_HASH = _hasher.hash("not a real password at all")


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"a password needs at least {MIN_PASSWORD} characters")


async def hash_password(password: str) -> str:
    check_password_strength(password)
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(stored: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored``; runs a dummy check when there is no hash."""

    def check() -> bool:
        try:
            return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def new_api_token() -> tuple[str, str]:
    """(token shown once to its owner, hash to store)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, sha256_hex(token)


def new_session_id() -> tuple[str, str]:
    sid = secrets.token_urlsafe(32)
    return sid, sha256_hex(sid)


class Signer:
    """Signs session ids for the cookie and derives CSRF tokens from them."""

    def __init__(self, secret: bytes) -> None:
        self._secret = hashlib.sha256(b"broadcaster-web:" + secret).digest()
        self._cookie = URLSafeSerializer(self._secret, salt="session")

    def sign_session(self, sid: str) -> str:
        return str(self._cookie.dumps(sid))

    def unsign_session(self, cookie: str) -> str | None:
        try:
            value = self._cookie.loads(cookie)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None

    def csrf_token(self, sid: str) -> str:
        return hmac.new(self._secret, b"csrf:" + sid.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, sid: str, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(self.csrf_token(sid), token)


class LoginThrottle:
    """At most ``attempts`` failed logins per (username, address) within ``window`` seconds.

    Failures are kept in the database (by the SHA-256 of username and address, so the table
    holds no addresses), so every web process of an installation — and a restarted one —
    counts the same attempts. Wall-clock time, since the processes share it.
    """

    def __init__(self, store: Store, attempts: int = 5, window: float = 300.0) -> None:
        self.store = store
        self.attempts = attempts
        self.window = window

    @staticmethod
    def key(user: str, address: str) -> str:
        return sha256_hex(f"{user.strip().lower()}\x00{address}")

    async def retry_after(self, user: str, address: str, now: float | None = None) -> float:
        """Seconds until another attempt is allowed (0: allowed now)."""
        now = time.time() if now is None else now
        times = await self.store.login_failures_since(self.key(user, address), now - self.window)
        if len(times) < self.attempts:
            return 0.0
        # the oldest failure that still counts must leave the window first
        return max(times[-self.attempts] + self.window - now, 0.0)

    async def failed(self, user: str, address: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        await self.store.add_login_failure(self.key(user, address), now, now - self.window)

    async def succeeded(self, user: str, address: str) -> None:
        await self.store.clear_login_failures(self.key(user, address))
