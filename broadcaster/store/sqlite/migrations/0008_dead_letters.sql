-- inbound updates skipped on purpose (unreadable, or not applicable after several tries), so the
-- skip shows in /metrics and /healthz; one row per provider update, never its content
CREATE TABLE inbound_dead_letters (
    account TEXT NOT NULL,
    ref     TEXT NOT NULL,   -- the provider's reference, e.g. Telegram "<bot id>:<update id>"
    reason  TEXT NOT NULL,
    at      REAL NOT NULL,
    PRIMARY KEY (account, ref)
) WITHOUT ROWID;
CREATE INDEX ix_inbound_dead_letters_at ON inbound_dead_letters(at);
