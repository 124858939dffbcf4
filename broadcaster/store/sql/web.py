""":class:`~broadcaster.store.contract.web.WebStore` — credentials, sessions, API tokens,
moderation, content history — the SQL of both engines."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from content.workflow import Status

from ...errors import InputError, NotFound
from ..contract.web import REPLY_STATUSES, ApiToken, ContentVersion, ModeratedReply, WebSession
from ..records import AnnouncementRecord, AuditRecord, Dispatch, from_ts
from .base import SqlBase, Tx, marks, with_object
from .rows import (
    ANN_COLS,
    DISPATCH_COLS,
    MODERATED_COLS,
    MODERATED_FROM,
    TOKEN_COLS,
    announcement_of,
    dispatch_of,
    moderated_of,
    parse_announcement,
    prefixed,
    token_of,
)

# A target region intersects the scope when one is a prefix of the other (codes nest by prefix).
# ``{regions}`` is the engine's set-returning expression over the content's target regions
# (:attr:`~.base.Dialect.target_regions`), yielding a column ``v``; parameters: author, scope,
# scope, scope.
VISIBLE_SQL = (
    "(a.author = ? OR EXISTS (SELECT 1 FROM {regions} "
    "WHERE substr(v, 1, length(CAST(? AS TEXT))) = ? OR substr(CAST(? AS TEXT), 1, length(v)) = v))"
)


def check_reply_status(status: str) -> None:
    if status not in REPLY_STATUSES:
        raise InputError(f"reply status must be one of {', '.join(REPLY_STATUSES)}: {status!r}")


def replies_query(
    statuses: Sequence[str], scope: str | None, limit: int, before_id: int | None
) -> tuple[str, list[Any]]:
    """The moderation inbox query."""
    clauses: list[str] = []
    params: list[Any] = []
    if statuses:
        clauses.append(f"r.status IN ({marks(statuses)})")
        params += list(statuses)
    if scope is not None:
        clauses.append("substr(g.region, 1, length(CAST(? AS TEXT))) = ?")
        params += [scope, scope]
    if before_id is not None:
        clauses.append("r.id < ?")
        params.append(before_id)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = f"SELECT {MODERATED_COLS} FROM {MODERATED_FROM} {where} ORDER BY r.id DESC LIMIT ?"
    return sql, [*params, limit]


def visible_clause(
    regions_sql: str, scope: str | None, author: str | None
) -> tuple[list[str], list[Any]]:
    """WHERE clauses (on announcements ``a``) limiting to what a user scoped to ``scope``
    may see; none when unscoped."""
    if scope is None:
        return [], []
    return [VISIBLE_SQL.format(regions=regions_sql)], [author or "", scope, scope, scope]


async def _require_user(db: Tx, user: str) -> None:
    if not await db.fetch("SELECT 1 FROM users WHERE name = ?", (user,)):
        raise NotFound(f"user {user!r} does not exist")


class WebSql(SqlBase):
    """Credentials, sessions, API tokens, content history."""

    async def set_password_hash(self, user: str, password_hash: str, audit: AuditRecord) -> None:
        async with self._tx() as db:
            await _require_user(db, user)
            await db.execute(
                "INSERT INTO credentials(user_name, hash, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_name) DO UPDATE SET hash = excluded.hash, "
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
        return WebSession(user=str(rows[0][0]), created_at=created, expires_at=expires)

    async def delete_session(self, id_hash: str) -> None:
        async with self._tx() as db:
            await db.execute("DELETE FROM web_sessions WHERE id_hash = ?", (id_hash,))

    async def purge_sessions(self, now: float) -> int:
        async with self._tx() as db:
            return await db.execute("DELETE FROM web_sessions WHERE expires_at <= ?", (now,))

    async def add_api_token(
        self, user: str, label: str, token_hash: str, read_only: bool, audit: AuditRecord
    ) -> ApiToken:
        async with self._tx() as db:
            await _require_user(db, user)
            [row] = await db.fetch(
                "INSERT INTO api_tokens(user_name, label, token_hash, read_only, created_at) "
                f"VALUES (?, ?, ?, ?, ?) RETURNING {TOKEN_COLS}",
                (user, label, token_hash, int(read_only), time.time()),
            )
            await self._append_audit(db, with_object(audit, int(row[0])))
        return token_of(row)

    async def find_api_token(self, token_hash: str, now: float) -> ApiToken | None:
        rows = await self._fetch(
            f"SELECT {TOKEN_COLS} FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
            (token_hash,),
        )
        if not rows:
            return None
        token = token_of(rows[0])
        last = token.last_used_at.timestamp() if token.last_used_at else 0.0
        if now - last > 60:  # one write a minute per token is enough to show "last used"
            async with self._tx() as db:
                await db.execute(
                    "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (now, token.id)
                )
        return token

    async def list_api_tokens(self, user: str | None = None) -> list[ApiToken]:
        if user is None:
            rows = await self._fetch(f"SELECT {TOKEN_COLS} FROM api_tokens ORDER BY id")
        else:
            rows = await self._fetch(
                f"SELECT {TOKEN_COLS} FROM api_tokens WHERE user_name = ? ORDER BY id", (user,)
            )
        return [token_of(r) for r in rows]

    async def revoke_api_token(self, token_id: int, audit: AuditRecord) -> ApiToken:
        async with self._tx() as db:
            rows = await db.fetch(
                f"SELECT {TOKEN_COLS} FROM api_tokens WHERE id = ?{self.dialect.for_update}",
                (token_id,),
            )
            if not rows:
                raise NotFound(f"API token {token_id} does not exist")
            if rows[0][6] is None:
                rows = await db.fetch(
                    f"UPDATE api_tokens SET revoked_at = ? WHERE id = ? RETURNING {TOKEN_COLS}",
                    (time.time(), token_id),
                )
                await self._append_audit(db, audit)
        return token_of(rows[0])

    async def list_visible_announcements(
        self,
        scope: str | None,
        author: str | None = None,
        status: Status | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[AnnouncementRecord]:
        clauses, params = visible_clause(self.dialect.target_regions, scope, author)
        if status is not None:
            clauses.append("a.status = ?")
            params.append(str(status))
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = await self._fetch(
            f"SELECT {prefixed(ANN_COLS, 'a')} FROM announcements a {where} "
            "ORDER BY a.id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [announcement_of(r) for r in rows]

    async def list_visible_dispatches(
        self,
        scope: str | None,
        author: str | None = None,
        announcement_id: int | None = None,
        limit: int = 100,
    ) -> list[Dispatch]:
        clauses, params = visible_clause(self.dialect.target_regions, scope, author)
        if announcement_id is not None:
            clauses.append("d.announcement_id = ?")
            params.append(announcement_id)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = await self._fetch(
            f"SELECT {prefixed(DISPATCH_COLS, 'd')} FROM dispatches d "
            f"JOIN announcements a ON a.id = d.announcement_id {where} ORDER BY d.id DESC LIMIT ?",
            [*params, limit],
        )
        return [dispatch_of(r) for r in rows]

    async def get_moderated_reply(self, reply_id: int) -> ModeratedReply:
        rows = await self._fetch(
            f"SELECT {MODERATED_COLS} FROM {MODERATED_FROM} WHERE r.id = ?", (reply_id,)
        )
        if not rows:
            raise NotFound(f"reply {reply_id} does not exist")
        return moderated_of(rows[0])

    async def moderate_reply(
        self, reply_id: int, status: str, note: str | None, audit: AuditRecord
    ) -> ModeratedReply:
        check_reply_status(status)
        async with self._tx() as db:
            changed = await db.execute(
                "UPDATE replies SET status = ?, moderation_note = ?, moderated_by = ?, "
                "moderated_at = ? WHERE id = ?",
                (status, note, audit.actor, time.time(), reply_id),
            )
            if not changed:
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
        return [moderated_of(r) for r in await self._fetch(sql, params)]

    # login failures and /lapor reports are both timed events under a hashed key, each kind in
    # its own table (each is forgotten after its own window)
    async def add_login_failure(self, key: str, at: float, forget_before: float) -> None:
        await self._add_event("login_failures", key, at, forget_before)

    async def login_failures_since(self, key: str, since: float) -> list[float]:
        return await self._events_since("login_failures", key, since)

    async def clear_login_failures(self, key: str) -> None:
        async with self._tx() as db:
            await db.execute("DELETE FROM login_failures WHERE key = ?", (key,))

    async def add_throttle_event(self, key: str, at: float, forget_before: float) -> None:
        await self._add_event("throttle_events", key, at, forget_before)

    async def throttle_events_since(self, key: str, since: float) -> list[float]:
        return await self._events_since("throttle_events", key, since)

    async def _add_event(self, table: str, key: str, at: float, forget_before: float) -> None:
        async with self._tx() as db:
            await db.execute(f"DELETE FROM {table} WHERE at < ?", (forget_before,))
            await db.execute(f"INSERT INTO {table}(key, at) VALUES (?, ?)", (key, at))

    async def _events_since(self, table: str, key: str, since: float) -> list[float]:
        rows = await self._fetch(
            f"SELECT at FROM {table} WHERE key = ? AND at > ? ORDER BY at", (key, since)
        )
        return [float(r[0]) for r in rows]

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
            announcement_id=int(row[0]),
            version=int(row[1]),
            content=parse_announcement(row[2]),
            content_hash=str(row[3]),
            at=at,
        )

    async def progress_by_prefix(
        self, dispatch_id: int, prefix_len: int = 4
    ) -> dict[str, dict[str, int]]:
        return (await self.progress_breakdown(dispatch_id, prefix_len))[1]

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
