"""Media a simulated resident sends to the Cloud API number (hoax reports, issue 14).

Meta's webhook carries an inbound image, video, document or audio as ``{id, mime_type, sha256,
caption?}`` under the message's ``type``: ``id`` is a media id the business downloads the file
with (one per message, never the same twice), ``sha256`` the base64 SHA-256 of the bytes (the
same file forwarded by two residents has the same hash).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

KINDS = ("image", "video", "document", "audio")
MIME = {
    "image": "image/jpeg",
    "video": "video/mp4",
    "document": "application/pdf",
    "audio": "audio/ogg; codecs=opus",
}


@dataclass(frozen=True)
class MediaIn:
    """One file a resident sends: ``kind`` (image, video, document, audio) and its bytes
    (random when not given); ``media_id`` is fresh for every message, as Meta's are."""

    kind: str = "image"
    content: bytes = field(default_factory=lambda: secrets.token_bytes(256))
    media_id: str = field(default_factory=lambda: str(10**15 + secrets.randbelow(9 * 10**15)))

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"media kind must be one of {', '.join(KINDS)}")

    @property
    def sha256_b64(self) -> str:
        return base64.b64encode(hashlib.sha256(self.content).digest()).decode()

    def webhook_object(self, caption: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.media_id,
            "mime_type": MIME[self.kind],
            "sha256": self.sha256_b64,
        }
        if caption and self.kind != "audio":
            body["caption"] = caption
        if self.kind == "document":
            body["filename"] = "kabar.pdf"
        return body

    @classmethod
    def from_json(cls, value: Any) -> MediaIn:
        """``{kind, content_b64?}`` from the admin API."""
        if not isinstance(value, dict):
            raise ValueError("media must be an object {kind, content_b64?}")
        kind = str(value.get("kind", "image"))
        raw = value.get("content_b64")
        if raw is None:
            return cls(kind)
        return cls(kind, base64.b64decode(str(raw), validate=True))
