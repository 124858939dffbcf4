-- broadcaster schema, version 14: counts that every web process of an installation shares.
--
-- One row per counted event (today: a report filed through the public /lapor form) under a
-- throttle key, a SHA-256 of what is counted and whose it is (never a client address in the
-- clear), so that N web processes, and a restarted one, allow what one would. Rows older than
-- the window that reads them are deleted when a new one is added.
CREATE TABLE throttle_events (
    key TEXT NOT NULL,
    at  REAL NOT NULL
);
CREATE INDEX ix_throttle_events_key ON throttle_events(key, at);
CREATE INDEX ix_throttle_events_at ON throttle_events(at);
