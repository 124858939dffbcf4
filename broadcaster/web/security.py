"""Passwords, session ids, API tokens, CSRF tokens and login throttling.

- Passwords: argon2id (argon2-cffi ``PasswordHasher``), hashed and checked in a worker thread so
  the event loop never blocks for the ~50 ms a hash takes.
- Session ids and API tokens: 32 random bytes; the store keeps only their SHA-256.
- Session cookie: the session id signed with itsdangerous (the secret from ``BROADCASTER_SECRET``,
  see :func:`broadcaster.inbox.load_salt`), so a forged cookie is rejected before any lookup.
- CSRF: an HMAC of the session id, sent in every form (hidden field) and by JavaScript in the
  ``X-CSRF-Token`` header; checked on every unsafe request made with a session cookie. The login
  form, before any session exists, carries an HMAC of a random pre-session id kept in a signed
  cookie (``bc_login``), checked before the password is.
- Throttling: failed logins per (username, client address), per account across addresses and
  per address across accounts (growing delay, capped), counted in the database so that every
  web process shares them. The client address is the TCP peer's unless the peer is one of
  ``http.forwarded_allow_ips`` (see :func:`broadcaster.service.proxy_options`).
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
        self._login = URLSafeSerializer(self._secret, salt="login")

    def sign_session(self, sid: str) -> str:
        return str(self._cookie.dumps(sid))

    def unsign_session(self, cookie: str) -> str | None:
        try:
            value = self._cookie.loads(cookie)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None

    def sign_login(self, pre_id: str) -> str:
        """The pre-session cookie of the login form (login CSRF: see :meth:`login_csrf`)."""
        return str(self._login.dumps(pre_id))

    def unsign_login(self, cookie: str) -> str | None:
        try:
            value = self._login.loads(cookie)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None

    def login_csrf(self, pre_id: str) -> str:
        """The login form's CSRF token: bound to the browser's pre-session cookie, so a page
        elsewhere cannot log a victim's browser into the attacker's account."""
        return self.csrf_token("login:" + pre_id)

    def csrf_token(self, sid: str) -> str:
        return hmac.new(self._secret, b"csrf:" + sid.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, sid: str, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(self.csrf_token(sid), token)


class LoginThrottle:
    """Failed logins slow down three ways, each counted within ``window`` seconds:

    * per (username, address): ``attempts`` failures, then wait until the oldest leaves the
      window (one address guessing one account);
    * per account, across addresses: after ``account_attempts`` failures each further attempt
      waits a delay that doubles (1 s, 2 s, 4 s, …) but never exceeds ``max_delay`` — many
      addresses guessing one officer's password get one guess per ``max_delay`` at best, and
      the officer is never locked out for longer than that;
    * per address, across accounts: the same growing, capped delay after
      ``address_attempts`` failures (one address trying many names).

    Failures are kept in the database by SHA-256 keys (no names or addresses in the table), so
    every web process of an installation — and a restarted one — counts the same attempts.
    Wall-clock time, since the processes share it.
    """

    def __init__(
        self,
        store: Store,
        attempts: int = 5,
        window: float = 300.0,
        *,
        account_attempts: int = 10,
        address_attempts: int = 20,
        max_delay: float = 60.0,
    ) -> None:
        self.store = store
        self.attempts = attempts
        self.window = window
        self.account_attempts = account_attempts
        self.address_attempts = address_attempts
        self.max_delay = max_delay

    @staticmethod
    def key(user: str, address: str) -> str:
        return sha256_hex(f"{user.strip().lower()}\x00{address}")

    @staticmethod
    def account_key(user: str) -> str:
        return sha256_hex(f"\x01account\x00{user.strip().lower()}")

    @staticmethod
    def address_key(address: str) -> str:
        return sha256_hex(f"\x01address\x00{address}")

    def growing_delay(self, times: list[float], free: int, now: float) -> float:
        """Seconds still to wait after the newest of ``times`` when more than ``free`` failed:
        1 s for the first over the line, doubling, capped at ``max_delay``."""
        over = len(times) - free
        if over < 0 or not times:
            return 0.0
        delay = min(2.0 ** min(over, 30), self.max_delay)
        return max(times[-1] + delay - now, 0.0)

    async def retry_after(self, user: str, address: str, now: float | None = None) -> float:
        """Seconds until another attempt is allowed (0: allowed now)."""
        now = time.time() if now is None else now
        since = now - self.window
        pair = await self.store.login_failures_since(self.key(user, address), since)
        wait = 0.0
        if len(pair) >= self.attempts:
            # the oldest failure that still counts must leave the window first
            wait = max(pair[-self.attempts] + self.window - now, 0.0)
        account = await self.store.login_failures_since(self.account_key(user), since)
        wait = max(wait, self.growing_delay(account, self.account_attempts, now))
        per_address = await self.store.login_failures_since(self.address_key(address), since)
        return max(wait, self.growing_delay(per_address, self.address_attempts, now))

    async def failed(self, user: str, address: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        forget = now - self.window
        for key in (self.key(user, address), self.account_key(user), self.address_key(address)):
            await self.store.add_login_failure(key, now, forget)

    async def succeeded(self, user: str, address: str) -> None:
        """The right password: that pair and that account start afresh. The address keeps
        its count (someone holding one valid account must not reset it between guesses)."""
        await self.store.clear_login_failures(self.key(user, address))
        await self.store.clear_login_failures(self.account_key(user))
