"""PostgreSQL side of :class:`~broadcaster.store.contract_web.WebStore`."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from content.model import Announcement
from content.workflow import Status

from ...errors import NotFound
from ..contract_web import ApiToken, ContentVersion, ModeratedReply, WebSession
from ..records import AnnouncementRecord, AuditRecord, Dispatch, from_ts
from ..sqlite.web import (
    announcements_query,
    check_reply_status,
    dispatches_query,
    replies_query,
    reply_of,
)
from .base import Conn, PgBase, affected
from .content import announcement_of
from .directory import with_object
from .dispatch import dispatch_of

# content is stored as JSON text; the cast is per row, cheap for the dashboard's page sizes
PG_REGIONS = "jsonb_array_elements_text(a.content::jsonb -> 'target' -> 'regions') AS t(v)"

_TOKEN_COLS = "id, user_name, label, read_only, created_at, last_used_at, revoked_at"


def _token(row: Any) -> ApiToken:
    created = from_ts(row[4])
    assert created is not None
    return ApiToken(
        int(row[0]), row[1], row[2], bool(row[3]), created, from_ts(row[5]), from_ts(row[6])
    )


async def _require_user(db: Conn, user: str) -> None:
    if not await db.fetchval("SELECT 1 FROM users WHERE name = $1", user):
        raise NotFound(f"user {user!r} does not exist")


class WebMixin(PgBase):
    """Credentials, sessions, API tokens, content history."""

    async def set_password_hash(self, user: str, password_hash: str, audit: AuditRecord) -> None:
        async with self._tx() as db:
            await _require_user(db, user)
            await db.execute(
                "INSERT INTO credentials(user_name, hash, updated_at) VALUES ($1, $2, $3) "
                "ON CONFLICT (user_name) DO UPDATE SET hash = excluded.hash, "
                "updated_at = excluded.updated_at",
                user,
                password_hash,
                time.time(),
            )
            # a new password ends every open session of that user
            await db.execute("DELETE FROM web_sessions WHERE user_name = $1", user)
            await self._append_audit(db, audit)

    async def get_password_hash(self, user: str) -> str | None:
        rows = await self._fetch("SELECT hash FROM credentials WHERE user_name = ?", (user,))
        return str(rows[0][0]) if rows else None

    async def create_session(self, id_hash: str, user: str, expires_at: float) -> None:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO web_sessions VALUES ($1, $2, $3, $4)",
                id_hash,
                user,
                time.time(),
                expires_at,
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
            await db.execute("DELETE FROM web_sessions WHERE id_hash = $1", id_hash)

    async def purge_sessions(self, now: float) -> int:
        async with self._tx() as db:
            return affected(
                await db.execute("DELETE FROM web_sessions WHERE expires_at <= $1", now)
            )

    async def add_api_token(
        self, user: str, label: str, token_hash: str, read_only: bool, audit: AuditRecord
    ) -> ApiToken:
        async with self._tx() as db:
            await _require_user(db, user)
            row = await db.fetchrow(
                "INSERT INTO api_tokens(user_name, label, token_hash, read_only, created_at) "
                f"VALUES ($1, $2, $3, $4, $5) RETURNING {_TOKEN_COLS}",
                user,
                label,
                token_hash,
                int(read_only),
                time.time(),
            )
            assert row is not None
            await self._append_audit(db, with_object(audit, int(row[0])))
        return _token(row)

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
                    "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", now, token.id
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
            row = await db.fetchrow(
                f"SELECT {_TOKEN_COLS} FROM api_tokens WHERE id = $1 FOR UPDATE", token_id
            )
            if row is None:
                raise NotFound(f"API token {token_id} does not exist")
            if row[6] is None:
                row = await db.fetchrow(
                    f"UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 RETURNING {_TOKEN_COLS}",
                    time.time(),
                    token_id,
                )
                await self._append_audit(db, audit)
        return _token(row)

    async def list_visible_announcements(
        self,
        scope: str | None,
        author: str | None = None,
        status: Status | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[AnnouncementRecord]:
        sql, params = announcements_query(PG_REGIONS, scope, author, status, limit, offset)
        return [announcement_of(r) for r in await self._fetch(sql, params)]

    async def list_visible_dispatches(
        self,
        scope: str | None,
        author: str | None = None,
        announcement_id: int | None = None,
        limit: int = 100,
    ) -> list[Dispatch]:
        sql, params = dispatches_query(PG_REGIONS, scope, author, announcement_id, limit)
        return [dispatch_of(r) for r in await self._fetch(sql, params)]

    async def get_moderated_reply(self, reply_id: int) -> ModeratedReply:
        rows = await self._fetch(
            "SELECT r.id, r.account, r.group_id, r.author, r.text, r.at, r.status, g.region, "
            "r.moderation_note, r.moderated_by, r.moderated_at "
            "FROM replies r LEFT JOIN groups g ON g.id = r.group_id WHERE r.id = ?",
            (reply_id,),
        )
        if not rows:
            raise NotFound(f"reply {reply_id} does not exist")
        return reply_of(tuple(rows[0]))

    async def moderate_reply(
        self, reply_id: int, status: str, note: str | None, audit: AuditRecord
    ) -> ModeratedReply:
        check_reply_status(status)
        async with self._tx() as db:
            done = affected(
                await db.execute(
                    "UPDATE replies SET status = $1, moderation_note = $2, moderated_by = $3, "
                    "moderated_at = $4 WHERE id = $5",
                    status,
                    note,
                    audit.actor,
                    time.time(),
                    reply_id,
                )
            )
            if done == 0:
                raise NotFound(f"reply {reply_id} does not exist")
            await self._append_audit(db, audit)
        return await self.get_moderated_reply(reply_id)

    async def list_moderated_replies(
        self,
        statuses: Sequence[str] = (),
        scope: str | None = None,
        limit: int = 50,
        before_id: int | None = None,
    ) -> list[ModeratedReply]:
        sql, params = replies_query(statuses, scope, limit, before_id)
        return [reply_of(tuple(r)) for r in await self._fetch(sql, params)]

    async def add_login_failure(self, key: str, at: float, forget_before: float) -> None:
        async with self._tx() as db:
            await db.execute("DELETE FROM login_failures WHERE at < $1", forget_before)
            await db.execute("INSERT INTO login_failures(key, at) VALUES ($1, $2)", key, at)

    async def login_failures_since(self, key: str, since: float) -> list[float]:
        rows = await self._fetch(
            "SELECT at FROM login_failures WHERE key = ? AND at > ? ORDER BY at", (key, since)
        )
        return [float(r[0]) for r in rows]

    async def clear_login_failures(self, key: str) -> None:
        async with self._tx() as db:
            await db.execute("DELETE FROM login_failures WHERE key = $1", key)

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
        rows = await self._fetch(
            "SELECT substr(g.region, 1, ?), d.status, COUNT(*) FROM deliveries d "
            "JOIN groups g ON g.id = d.group_id WHERE d.dispatch_id = ? GROUP BY 1, 2",
            (prefix_len, dispatch_id),
        )
        out: dict[str, dict[str, int]] = {}
        for prefix, status, count in rows:
            out.setdefault(str(prefix), {})[str(status)] = int(count)
        return out

    async def progress_breakdown(
        self, dispatch_id: int, prefix_len: int = 4
    ) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
        # one scan for both tables instead of the contract's default of two
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
