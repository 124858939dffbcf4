-- dashboard and JSON API: login credentials, server-side sessions, API tokens, content history

-- one argon2 hash per user; a user without a row cannot log in to the dashboard
CREATE TABLE credentials (
    user_name  TEXT PRIMARY KEY REFERENCES users(name),
    hash       TEXT NOT NULL,
    updated_at REAL NOT NULL
);

-- a session cookie carries a random id; only its SHA-256 is stored, so a leaked database
-- cannot be replayed as cookies
CREATE TABLE web_sessions (
    id_hash    TEXT PRIMARY KEY,
    user_name  TEXT NOT NULL REFERENCES users(name),
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX ix_web_sessions_user ON web_sessions(user_name);

-- API tokens: SHA-256 of a random 32-byte token (high entropy, so no slow hash is needed)
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_name    TEXT NOT NULL REFERENCES users(name),
    label        TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    read_only    INTEGER NOT NULL DEFAULT 0,
    created_at   REAL NOT NULL,
    last_used_at REAL,
    revoked_at   REAL
);

-- every replaced version of an announcement's content, so a verifier sees what changed
CREATE TABLE announcement_history (
    announcement_id INTEGER NOT NULL REFERENCES announcements(id),
    version         INTEGER NOT NULL,
    content         TEXT NOT NULL,
    content_hash    TEXT NOT NULL,
    at              REAL NOT NULL,
    PRIMARY KEY (announcement_id, version)
);
CREATE TRIGGER tr_announcement_history AFTER UPDATE OF content ON announcements
WHEN OLD.content_hash <> NEW.content_hash
BEGIN
    INSERT OR IGNORE INTO announcement_history VALUES
        (OLD.id, OLD.version, OLD.content, OLD.content_hash, OLD.updated_at);
END;

-- the dashboard counts groups per region subtree, status and channel (target picker, filters):
-- a covering index makes each count a pure index range scan (100,000 groups: ~4 ms per 10,000)
CREATE INDEX ix_groups_region_status_channel ON groups(region, status, channel);
