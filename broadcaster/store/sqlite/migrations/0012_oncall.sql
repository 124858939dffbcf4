-- on-call verifiers (issue 15): who is told at once when an emergency or a CAP draft waits for
-- verification, on which channel and address, in which weekly window; rota order = position
CREATE TABLE oncall (
    id           INTEGER PRIMARY KEY,
    username     TEXT NOT NULL,
    channel      TEXT NOT NULL,
    address      TEXT NOT NULL,
    days         TEXT NOT NULL,      -- comma list of mon..sun
    start_minute INTEGER NOT NULL,   -- 0..1439, local time of the rota's timezone
    end_minute   INTEGER NOT NULL,   -- 1..1440; <= start_minute: the window runs past midnight
    position     INTEGER NOT NULL,   -- rota order (escalation goes to the next one)
    created_by   TEXT NOT NULL,
    created_at   REAL NOT NULL,
    UNIQUE (username, channel, address, days, start_minute, end_minute)
);
CREATE INDEX ix_oncall_position ON oncall(position, id);

-- every alert sent about an announcement: who was told, how, when, at which escalation level;
-- acknowledged when the person opened the approve page, closed with the outcome
CREATE TABLE oncall_alerts (
    id              INTEGER PRIMARY KEY,
    announcement_id INTEGER NOT NULL REFERENCES announcements(id),
    username        TEXT NOT NULL,
    channel         TEXT NOT NULL,
    account         TEXT NOT NULL,
    address         TEXT NOT NULL,
    level           INTEGER NOT NULL,
    reason          TEXT NOT NULL,
    at              REAL NOT NULL,
    notice_id       INTEGER,
    acknowledged_at REAL,
    outcome         TEXT,
    closed_at       REAL,
    UNIQUE (announcement_id, username, address)
);
CREATE INDEX ix_oncall_alerts_open ON oncall_alerts(announcement_id) WHERE outcome IS NULL;
