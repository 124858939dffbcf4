"""Residents of the WAHA emulator's groups who quote messages and post media (hoax reports,
issue 14), as WAHA's ``message`` webhook shows them:

* a member's media message: ``hasMedia: true`` and ``media {url, mimetype, filename, error}``,
  ``body`` holding the caption; the file is served at ``media.url``
  (``GET /api/files/{session}/{message id}.{ext}``, with the API key like every ``/api/`` call);
* a reply (WhatsApp's swipe-to-quote): ``replyTo {id, participant, body, hasMedia, media}`` of
  the quoted message — a member's or one the number sent.

The emulator remembers the messages members wrote (the last :data:`KEEP` of them) so a later
reply can quote them. Admin API: ``POST /_sandbox/message {chatId, from, text, replyTo?}``
(``replyTo`` a message id), ``POST /_sandbox/media {chatId, from, kind, caption?,
content_b64?}`` → ``{id}``.
"""

from __future__ import annotations

import base64
import secrets
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from .server import WahaSandbox

KEEP = 10_000
EXTENSIONS = {"image": ("jpeg", "image/jpeg"), "video": ("mp4", "video/mp4")}
DOCUMENT = ("pdf", "application/pdf")


def new_id(chat: str, author: str) -> str:
    return f"false_{chat}_{secrets.token_hex(10).upper()}_{author}"


def remember(sandbox: WahaSandbox, payload: dict[str, Any]) -> None:
    sandbox.received[str(payload["id"])] = payload
    while len(sandbox.received) > KEEP:
        sandbox.received.pop(next(iter(sandbox.received)))


def quoted(sandbox: WahaSandbox, message_id: str) -> dict[str, Any]:
    """The ``replyTo`` object of a message in the emulator (a member's or one we sent)."""
    found = sandbox.received.get(message_id)
    if found is not None:
        return {
            "id": message_id,
            "participant": found["participant"],
            "body": found["body"],
            "hasMedia": found["hasMedia"],
            "media": found.get("media"),
            "_data": {},
        }
    sent = next((m for m in sandbox.sent if m.id == message_id), None)
    if sent is None:
        raise LookupError(f"no message {message_id} to quote")
    body = sent.body.get("text") or (sent.body.get("poll") or {}).get("name") or ""
    return {
        "id": message_id,
        "participant": sandbox.me + "@c.us",
        "body": str(body),
        "hasMedia": False,
        "media": None,
        "_data": {},
    }


def media_message(
    sandbox: WahaSandbox,
    chat_id: str,
    author: str,
    kind: str = "image",
    caption: str = "",
    content: bytes | None = None,
) -> str:
    """A member posts an image, video or document (``content``: its bytes, random when not
    given); returns the message id."""
    extension, mimetype = EXTENSIONS.get(kind, DOCUMENT)
    message_id = new_id(chat_id, author)
    name = f"{message_id}.{extension}"
    sandbox.files[name] = content if content is not None else secrets.token_bytes(512)
    payload = {
        "id": message_id,
        "timestamp": int(time.time()),
        "from": chat_id,
        "fromMe": False,
        "participant": author,
        "to": sandbox.me + "@c.us",
        "body": caption,
        "hasMedia": True,
        "media": {
            "url": f"{sandbox.url}/api/files/{sandbox.session}/{name}",
            "mimetype": mimetype,
            "filename": "kabar.pdf" if kind == "document" else None,
            "error": None,
        },
        "source": "app",
    }
    remember(sandbox, payload)
    sandbox._emit("message", payload)
    return message_id


def add_resident_routes(sandbox: WahaSandbox, app: web.Application) -> None:
    from .server import Unknown

    async def file(request: web.Request) -> web.StreamResponse:
        if request.match_info["session"] != sandbox.session:
            return web.json_response({"message": "Session not found"}, status=404)
        content = sandbox.files.get(request.match_info["name"])
        if content is None:
            return web.json_response({"message": "File not found"}, status=404)
        return web.Response(body=content, content_type="application/octet-stream")

    async def media(request: web.Request) -> web.Response:
        data = await request.json()
        chat = str(data["chatId"])
        if chat not in sandbox.groups:
            raise Unknown(f"no group {chat}")
        author = str(data.get("from") or sandbox.groups[chat].members[-1])
        raw = data.get("content_b64")
        content = base64.b64decode(str(raw), validate=True) if raw is not None else None
        message_id = media_message(
            sandbox,
            chat,
            author,
            str(data.get("kind", "image")),
            str(data.get("caption") or ""),
            content,
        )
        return web.json_response({"id": message_id})

    app.router.add_get("/api/files/{session}/{name}", file)
    app.router.add_post("/_sandbox/media", media)
