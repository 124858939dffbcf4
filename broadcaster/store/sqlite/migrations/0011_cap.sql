-- CAP 1.2 in (issue 15): every alert received, by (sender, identifier), with what it became
CREATE TABLE cap_alerts (
    id              INTEGER PRIMARY KEY,
    sender          TEXT NOT NULL,
    identifier      TEXT NOT NULL,
    sent            TEXT NOT NULL,           -- as the alert wrote it (ISO 8601 with offset)
    msg_type        TEXT NOT NULL,           -- Alert | Update | Cancel | Ack | Error
    status          TEXT NOT NULL,           -- Actual | Exercise | System | Test | Draft
    feed            TEXT NOT NULL,           -- the [[cap.feeds]] name, or "import"
    received_at     REAL NOT NULL,           -- when the warning reached us (system time)
    drafted_at      REAL,                    -- when its draft was written / changed
    announcement_id INTEGER REFERENCES announcements(id),
    outcome         TEXT NOT NULL,           -- drafted | updated | cancelled | ignored | ...
    notes           TEXT NOT NULL DEFAULT '[]',  -- JSON list shown to the verifier
    xml_sha256      TEXT NOT NULL,
    xml             TEXT NOT NULL,           -- the CAP source (size-limited before parsing)
    UNIQUE (sender, identifier)
);
CREATE INDEX ix_cap_alerts_announcement ON cap_alerts(announcement_id);

-- per feed: conditional GET validators and backoff, kept across restarts
CREATE TABLE cap_feeds (
    name          TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT,
    failures      INTEGER NOT NULL DEFAULT 0,
    next_poll     REAL NOT NULL DEFAULT 0,
    last_error    TEXT,
    last_ok       REAL,
    last_checked  REAL
);

-- CAP files of a feed's index already fetched (a changed index fetches only new entries)
CREATE TABLE cap_feed_items (
    feed    TEXT NOT NULL,
    url     TEXT NOT NULL,
    seen_at REAL NOT NULL,
    PRIMARY KEY (feed, url)
);
