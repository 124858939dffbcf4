-- broadcaster schema, version 1 (SQLite). Times are UTC epoch seconds (REAL).
CREATE TABLE regions (
    code   TEXT PRIMARY KEY,          -- the code is the materialised path (codes nest by prefix)
    level  TEXT NOT NULL,
    name   TEXT NOT NULL,
    parent TEXT REFERENCES regions(code)
) WITHOUT ROWID;
CREATE INDEX ix_regions_level ON regions(level, code);

CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL,
    scope      TEXT REFERENCES regions(code),
    active     INTEGER NOT NULL DEFAULT 1,
    created_at REAL NOT NULL
);

CREATE TABLE groups (
    id            INTEGER PRIMARY KEY,
    channel       TEXT NOT NULL,
    account       TEXT NOT NULL,
    address       TEXT NOT NULL,
    region        TEXT NOT NULL REFERENCES regions(code),
    region_level  TEXT NOT NULL,
    kind          TEXT NOT NULL,
    title         TEXT NOT NULL DEFAULT '',
    language      TEXT NOT NULL DEFAULT 'id',
    status        TEXT NOT NULL,
    subscribed_by TEXT NOT NULL,
    approved_by   TEXT,
    created_at    REAL NOT NULL,
    updated_at    REAL NOT NULL,
    UNIQUE (channel, account, address)
);
-- "everything under X" is a range scan on region; id breaks ties for keyset pagination
CREATE INDEX ix_groups_region ON groups(region, id);

CREATE TABLE announcements (
    id            INTEGER PRIMARY KEY,
    short_code    TEXT NOT NULL UNIQUE,
    author        TEXT NOT NULL,
    status        TEXT NOT NULL,
    content       TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    approved_hash TEXT,
    version       INTEGER NOT NULL,
    reject_reason TEXT,
    created_at    REAL NOT NULL,
    updated_at    REAL NOT NULL
);
CREATE INDEX ix_announcements_status ON announcements(status, id);

CREATE TABLE approvals (
    announcement_id INTEGER NOT NULL REFERENCES announcements(id),
    approver        TEXT NOT NULL,
    content_hash    TEXT NOT NULL,
    at              REAL NOT NULL,
    PRIMARY KEY (announcement_id, content_hash, approver)
);

CREATE TABLE schedules (
    id              INTEGER PRIMARY KEY,
    announcement_id INTEGER NOT NULL REFERENCES announcements(id),
    kind            TEXT NOT NULL,
    run_at          REAL,
    cron            TEXT,
    timezone        TEXT NOT NULL,
    status          TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      REAL NOT NULL,
    last_fired_at   REAL,
    note            TEXT
);

CREATE TABLE dispatches (
    id              INTEGER PRIMARY KEY,
    announcement_id INTEGER NOT NULL REFERENCES announcements(id),
    schedule_id     INTEGER REFERENCES schedules(id),
    fire_key        TEXT NOT NULL UNIQUE,
    priority        TEXT NOT NULL,
    rank            INTEGER NOT NULL,
    content_hash    TEXT NOT NULL,
    target          TEXT NOT NULL,
    status          TEXT NOT NULL,
    cursor          TEXT,
    planned         INTEGER NOT NULL DEFAULT 0,
    created_by      TEXT NOT NULL,
    created_at      REAL NOT NULL,
    finished_at     REAL,
    note            TEXT
);
CREATE INDEX ix_dispatches_status ON dispatches(status, rank DESC, id);

CREATE TABLE deliveries (
    id           INTEGER PRIMARY KEY,
    dispatch_id  INTEGER NOT NULL REFERENCES dispatches(id),
    group_id     INTEGER NOT NULL REFERENCES groups(id),
    account      TEXT NOT NULL,
    rank         INTEGER NOT NULL,
    status       TEXT NOT NULL DEFAULT 'queued',
    attempts     INTEGER NOT NULL DEFAULT 0,
    parts_done   INTEGER NOT NULL DEFAULT 0,
    next_at      REAL NOT NULL,
    provider_ids TEXT,
    error        TEXT,
    updated_at   REAL NOT NULL,
    UNIQUE (dispatch_id, group_id)
);
-- the claim index holds only queued rows, so it shrinks as a dispatch completes
CREATE INDEX ix_deliveries_queue ON deliveries(account, rank DESC, id) WHERE status = 'queued';
-- unfinished deliveries only: "is this dispatch done?" is one probe, and finished rows (the vast
-- majority) cost nothing to keep. Every index here is paid on each status change, so there are
-- as few as the hot path allows; progress counts walk the (dispatch_id, group_id) unique index.
CREATE INDEX ix_deliveries_open ON deliveries(dispatch_id) WHERE status IN ('queued', 'sending');

CREATE TABLE audit (
    seq          INTEGER PRIMARY KEY,
    at           REAL NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    object_type  TEXT NOT NULL,
    object_id    TEXT NOT NULL,
    detail       TEXT NOT NULL,
    content_hash TEXT,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX ix_audit_object ON audit(object_type, object_id, seq);
-- append-only: the hash chain detects edits made around these triggers
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
