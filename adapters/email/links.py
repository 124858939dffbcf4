"""Signed tokens: vote links, unsubscribe links, Message-IDs and Reply-To addresses.

Links in an email are public URLs: whoever holds one can use it, so each carries everything it
stands for (poll id, recipient, option, expiry) plus an HMAC-SHA256 over those fields and a
purpose label, keyed by a secret only this service knows. Nothing has to be stored per message,
and a link changed by one character is refused.

Token form: ``base64url(fields joined by U+001F) "." base64url(HMAC[:16])``. A token for one
purpose never verifies for another (the purpose is part of the MAC).

The secret comes from the environment variable named by ``link_secret_env``; a sandbox account
without it derives one from the data folder's salt (as :func:`broadcaster.inbox.load_salt`), so
the offline demo needs no setup. Outside sandbox mode a missing variable is a ConfigError.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from broadcaster.errors import ConfigError, InputError
from broadcaster.inbox import load_salt

SEP = "\x1f"
MAC_BYTES = 16
SHORT_MAC_BYTES = 10  # Reply-To tokens: the local part of an address holds at most 64 characters

VOTE, UNSUBSCRIBE, MESSAGE, REPLY = "vote", "unsubscribe", "message", "reply"


def load_link_secret(account: str, env_name: str, data_dir: Path, sandbox: bool) -> bytes:
    """The account's signing key; see the module docstring for where it comes from."""
    value = os.environ.get(env_name, "")
    if value:
        base = value.encode("utf-8")
    elif sandbox:
        base = load_salt(data_dir)
    else:
        raise ConfigError(
            f"accounts.{account}.link_secret_env: environment variable {env_name!r} is not set; "
            "it signs vote and unsubscribe links (use a long random value and keep it stable)"
        )
    # one key per account and purpose family, so a leaked link of one account proves nothing
    return hmac.new(base, f"email-links:{account}".encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Vote:
    poll_id: str
    option: int
    expires_at: float
    recipient: str
    language: str = "id"
    label: str = ""


class Signer:
    """Makes and checks this account's tokens."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, purpose: str, payload: bytes, size: int = MAC_BYTES) -> bytes:
        return hmac.new(self._key, purpose.encode() + b"\0" + payload, hashlib.sha256).digest()[
            :size
        ]

    def sign(self, purpose: str, *fields: str) -> str:
        payload = SEP.join(fields).encode("utf-8")
        return f"{_b64(payload)}.{_b64(self._mac(purpose, payload))}"

    def verify(self, purpose: str, token: str) -> list[str]:
        """The fields of a genuine ``purpose`` token; InputError for anything else."""
        body, dot, mac = token.strip().partition(".")
        try:
            payload, given = _unb64(body), _unb64(mac)
        except (ValueError, TypeError):
            raise InputError("malformed link") from None
        if not dot or not hmac.compare_digest(given, self._mac(purpose, payload)):
            raise InputError("link signature does not match")
        try:
            return payload.decode("utf-8").split(SEP)
        except UnicodeDecodeError:
            raise InputError("malformed link") from None

    # -- votes -------------------------------------------------------------------------------

    def vote_token(
        self,
        poll_id: str,
        option: int,
        expires_at: float,
        recipient: str,
        language: str = "id",
        label: str = "",
    ) -> str:
        """A link token for one option; ``label`` (the option's text) is only shown back."""
        fields = (poll_id, str(option), str(int(expires_at)), recipient, language, label)
        return self.sign(VOTE, *fields)

    def vote(self, token: str, now: float | None = None) -> Vote:
        """The vote a token stands for; InputError when tampered with, Expired-like InputError
        (message starts with "expired") after its expiry."""
        fields = self.verify(VOTE, token)
        if len(fields) != 6 or not fields[1].isdigit() or not fields[2].isdigit():
            raise InputError("malformed vote link")
        vote = Vote(fields[0], int(fields[1]), float(fields[2]), *fields[3:6])
        if (time.time() if now is None else now) > vote.expires_at:
            raise LinkExpired("expired vote link")
        return vote

    # -- unsubscribe -------------------------------------------------------------------------

    def unsubscribe_token(self, recipient: str, language: str = "id") -> str:
        return self.sign(UNSUBSCRIBE, recipient, language)

    def unsubscriber(self, token: str) -> tuple[str, str]:
        """The address (and the language of its email) an unsubscribe token stands for."""
        fields = self.verify(UNSUBSCRIBE, token)
        if len(fields) != 2 or "@" not in fields[0]:
            raise InputError("malformed unsubscribe link")
        return fields[0], fields[1]

    # -- Message-ID and Reply-To -------------------------------------------------------------

    def message_id(self, recipient: str, domain: str) -> tuple[str, str]:
        """A new ``<…@domain>`` Message-ID that names its recipient (so a reply's In-Reply-To
        leads back to the group), and the random part, which also serves as the poll id."""
        nonce = secrets.token_hex(8)
        return f"<{self.sign(MESSAGE, nonce, recipient)}@{domain}>", nonce

    def recipient_of(self, message_id: str) -> str | None:
        """The recipient named by one of our Message-IDs; None for any other id."""
        local = message_id.strip().strip("<>").rpartition("@")[0]
        try:
            fields = self.verify(MESSAGE, local)
        except InputError:
            return None
        return fields[1] if len(fields) == 2 else None

    def reply_tag(self, recipient: str) -> str:
        """A short tag for ``local+tag@domain`` Reply-To addresses: proves that a reply sent by
        ``recipient`` answers our mail even when its client dropped In-Reply-To."""
        mac = self._mac(REPLY, recipient.lower().encode("utf-8"), SHORT_MAC_BYTES)
        return base64.b32encode(mac).decode("ascii").rstrip("=").lower()

    def reply_tag_matches(self, tag: str, sender: str) -> bool:
        return hmac.compare_digest(tag.lower(), self.reply_tag(sender))


class LinkExpired(InputError):
    """A genuine link whose time is over."""
