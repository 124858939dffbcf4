-- inbound side: deduplication, polls sent, votes, reply inbox, notices to groups
CREATE TABLE inbound_events (
    account  TEXT NOT NULL,
    event_id TEXT NOT NULL,
    at       REAL NOT NULL,
    PRIMARY KEY (account, event_id)
) WITHOUT ROWID;

-- a provider poll id (Telegram's poll_answer carries no chat id) → what it belongs to
CREATE TABLE polls (
    account         TEXT NOT NULL,
    poll_id         TEXT NOT NULL,
    announcement_id INTEGER NOT NULL REFERENCES announcements(id),
    dispatch_id     INTEGER NOT NULL REFERENCES dispatches(id),
    group_id        INTEGER NOT NULL REFERENCES groups(id),
    counts          TEXT,            -- anonymous polls: the provider's counts per option (JSON)
    closed          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account, poll_id)
) WITHOUT ROWID;
CREATE INDEX ix_polls_announcement ON polls(announcement_id);

-- one live vote per voter per poll; the voter is a salted hash, never the provider's user id
CREATE TABLE votes (
    account  TEXT NOT NULL,
    poll_id  TEXT NOT NULL,
    voter    TEXT NOT NULL,
    options  TEXT NOT NULL,          -- JSON list of option indexes
    at       REAL NOT NULL,
    PRIMARY KEY (account, poll_id, voter)
) WITHOUT ROWID;

CREATE TABLE replies (
    id         INTEGER PRIMARY KEY,
    account    TEXT NOT NULL,
    group_id   INTEGER REFERENCES groups(id),
    author     TEXT NOT NULL,        -- salted hash
    text       TEXT NOT NULL,
    at         REAL NOT NULL,
    status     TEXT NOT NULL DEFAULT 'new'
);
CREATE INDEX ix_replies_at ON replies(at);

CREATE TABLE notices (
    id       INTEGER PRIMARY KEY,
    account  TEXT NOT NULL,
    address  TEXT NOT NULL,
    text     TEXT NOT NULL,
    at       REAL NOT NULL,
    sent_at  REAL,
    error    TEXT
);
CREATE INDEX ix_notices_pending ON notices(account, id) WHERE sent_at IS NULL;
