-- moderation of residents' replies, and login throttling shared by every web process

-- who moderated a reply last, when, and why (the full history is in the audit log);
-- replies.status holds the state: new, handled, hidden, hoax
ALTER TABLE replies ADD COLUMN moderation_note TEXT;
ALTER TABLE replies ADD COLUMN moderated_by TEXT;
ALTER TABLE replies ADD COLUMN moderated_at DOUBLE PRECISION;
CREATE INDEX ix_replies_status ON replies(status, id);

-- failed logins per throttle key (SHA-256 of username and client address), so several web
-- processes (and restarts) share one count; rows older than the window are purged on insert
CREATE TABLE login_failures (
    key TEXT NOT NULL,
    at  DOUBLE PRECISION NOT NULL
);
CREATE INDEX ix_login_failures_key ON login_failures(key, at);
CREATE INDEX ix_login_failures_at ON login_failures(at);
