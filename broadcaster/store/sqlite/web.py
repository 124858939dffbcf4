"""SQLite side of :class:`~broadcaster.store.contract_web.WebStore`."""

from __future__ import annotations

import time

from content.model import Announcement

from ...errors import NotFound
from ..contract_web import ApiToken, ContentVersion, WebSession
from ..records import AuditRecord, from_ts
from .base import Row, SqliteBase

_TOKEN_COLS = "id, user_name, label, read_only, created_at, last_used_at, revoked_at"


def _token(row: Row) -> ApiToken:
    created = from_ts(row[4])
    assert created is not None
    return ApiToken(
        int(row[0]), row[1], row[2], bool(row[3]), created, from_ts(row[5]), from_ts(row[6])
    )


class WebMixin(SqliteBase):
    """Credentials, sessions, API tokens, content history."""

    async def _require_user(self, user: str) -> None:
        rows = await self.db.execute_fetchall("SELECT 1 FROM users WHERE name = ?", (user,))
        if not list(rows):
            raise NotFound(f"user {user!r} does not exist")

    async def set_password_hash(self, user: str, password_hash: str, audit: AuditRecord) -> None:
        async with self._tx() as db:
            await self._require_user(user)
            await db.execute(
                "INSERT INTO credentials(user_name, hash, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(user_name) DO UPDATE SET hash = excluded.hash, "
                "updated_at = excluded.updated_at",
                (user, password_hash, time.time()),
            )
            # a new password ends every open session of that user
            await db.execute("DELETE FROM web_sessions WHERE user_name = ?", (user,))
            await self._append_audit(db, audit)

    async def get_password_hash(self, user: str) -> str | None:
        rows = await self._fetch("SELECT hash FROM credentials WHERE user_name = ?", (user,))
        return str(rows[0][0]) if rows else None

    async def create_session(self, id_hash: str, user: str, expires_at: float) -> None:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO web_sessions VALUES (?, ?, ?, ?)",
                (id_hash, user, time.time(), expires_at),
            )

    async def get_session(self, id_hash: str, now: float) -> WebSession | None:
        rows = await self._fetch(
            "SELECT user_name, created_at, expires_at FROM web_sessions "
            "WHERE id_hash = ? AND expires_at > ?",
            (id_hash, now),
        )
        if not rows:
            return None
        created, expires = from_ts(rows[0][1]), from_ts(rows[0][2])
        assert created is not None and expires is not None
        return WebSession(str(rows[0][0]), created, expires)

    async def delete_session(self, id_hash: str) -> None:
        async with self._tx() as db:
            await db.execute("DELETE FROM web_sessions WHERE id_hash = ?", (id_hash,))

    async def purge_sessions(self, now: float) -> int:
        async with self._tx() as db:
            cursor = await db.execute("DELETE FROM web_sessions WHERE expires_at <= ?", (now,))
            return int(cursor.rowcount)

    async def add_api_token(
        self, user: str, label: str, token_hash: str, read_only: bool, audit: AuditRecord
    ) -> ApiToken:
        async with self._tx() as db:
            await self._require_user(user)
            cursor = await db.execute(
                "INSERT INTO api_tokens(user_name, label, token_hash, read_only, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (user, label, token_hash, int(read_only), time.time()),
            )
            token_id = int(cursor.lastrowid or 0)
            await self._append_audit(
                db,
                AuditRecord(
                    audit.actor,
                    audit.action,
                    audit.object_type,
                    str(token_id),
                    audit.detail,
                    audit.content_hash,
                ),
            )
            rows = await db.execute_fetchall(
                f"SELECT {_TOKEN_COLS} FROM api_tokens WHERE id = ?", (token_id,)
            )
            return _token(tuple(list(rows)[0]))

    async def find_api_token(self, token_hash: str, now: float) -> ApiToken | None:
        rows = await self._fetch(
            f"SELECT {_TOKEN_COLS} FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
            (token_hash,),
        )
        if not rows:
            return None
        token = _token(rows[0])
        last = token.last_used_at.timestamp() if token.last_used_at else 0.0
        if now - last > 60:  # one write a minute per token is enough to show "last used"
            async with self._tx() as db:
                await db.execute(
                    "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (now, token.id)
                )
        return token

    async def list_api_tokens(self, user: str | None = None) -> list[ApiToken]:
        if user is None:
            rows = await self._fetch(f"SELECT {_TOKEN_COLS} FROM api_tokens ORDER BY id")
        else:
            rows = await self._fetch(
                f"SELECT {_TOKEN_COLS} FROM api_tokens WHERE user_name = ? ORDER BY id", (user,)
            )
        return [_token(r) for r in rows]

    async def revoke_api_token(self, token_id: int, audit: AuditRecord) -> ApiToken:
        async with self._tx() as db:
            rows = list(
                await db.execute_fetchall(
                    f"SELECT {_TOKEN_COLS} FROM api_tokens WHERE id = ?", (token_id,)
                )
            )
            if not rows:
                raise NotFound(f"API token {token_id} does not exist")
            if rows[0][6] is None:
                await db.execute(
                    "UPDATE api_tokens SET revoked_at = ? WHERE id = ?", (time.time(), token_id)
                )
                await self._append_audit(db, audit)
            rows = list(
                await db.execute_fetchall(
                    f"SELECT {_TOKEN_COLS} FROM api_tokens WHERE id = ?", (token_id,)
                )
            )
            return _token(tuple(rows[0]))

    async def previous_content(self, announcement_id: int) -> ContentVersion | None:
        rows = await self._fetch(
            "SELECT announcement_id, version, content, content_hash, at "
            "FROM announcement_history WHERE announcement_id = ? ORDER BY version DESC LIMIT 1",
            (announcement_id,),
        )
        if not rows:
            return None
        row = rows[0]
        at = from_ts(row[4])
        assert at is not None
        return ContentVersion(
            int(row[0]), int(row[1]), Announcement.model_validate_json(row[2]), str(row[3]), at
        )

    async def progress_by_prefix(
        self, dispatch_id: int, prefix_len: int = 4
    ) -> dict[str, dict[str, int]]:
        return (await self.progress_breakdown(dispatch_id, prefix_len))[1]

    async def progress_breakdown(
        self, dispatch_id: int, prefix_len: int = 4
    ) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
        rows = await self._fetch(
            "SELECT g.channel, substr(g.region, 1, ?), d.status, COUNT(*) FROM deliveries d "
            "JOIN groups g ON g.id = d.group_id WHERE d.dispatch_id = ? GROUP BY 1, 2, 3",
            (prefix_len, dispatch_id),
        )
        by_channel: dict[str, dict[str, int]] = {}
        by_prefix: dict[str, dict[str, int]] = {}
        for channel, prefix, status, count in rows:
            for table, key in ((by_channel, str(channel)), (by_prefix, str(prefix))):
                part = table.setdefault(key, {})
                part[str(status)] = part.get(str(status), 0) + int(count)
        return by_channel, by_prefix
