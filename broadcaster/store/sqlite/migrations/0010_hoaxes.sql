-- hoax desk (issue 14): residents' reports clustered into cases, verdicts ruled by two people

-- one case per claim; reports, regions and channels join it; status: open (no verdict or its
-- proposal was rejected), proposed (a verdict waits for a second verifier), confirmed
CREATE TABLE hoax_cases (
    id           INTEGER PRIMARY KEY,
    code         TEXT NOT NULL UNIQUE,
    status       TEXT NOT NULL DEFAULT 'open',
    -- the claim as first reported, normalised (what later reports are compared with), and a
    -- short excerpt for the verifiers' queue; both purged with the reports after retention
    -- (forwarded texts may name people); the hashed keys below still match exact repeats
    norm         TEXT NOT NULL,
    summary      TEXT NOT NULL,
    reports      INTEGER NOT NULL DEFAULT 0,
    first_seen   REAL NOT NULL,
    last_seen    REAL NOT NULL,
    confirmed_at REAL,
    purged_at    REAL
);
CREATE INDEX ix_hoax_cases_status ON hoax_cases(status, reports, last_seen);
CREATE INDEX ix_hoax_cases_confirmed ON hoax_cases(confirmed_at);

-- lookup keys of a case: "t:" exact normalised text, "m:" media reference, "h:" media hash,
-- "b<n>:" MinHash band (near-duplicate candidates); one indexed read finds the candidates
CREATE TABLE hoax_keys (
    key     TEXT NOT NULL,
    case_id INTEGER NOT NULL REFERENCES hoax_cases(id),
    PRIMARY KEY (key, case_id)
) WITHOUT ROWID;

CREATE TABLE hoax_case_regions (
    case_id INTEGER NOT NULL REFERENCES hoax_cases(id),
    region  TEXT NOT NULL,
    PRIMARY KEY (case_id, region)
) WITHOUT ROWID;
CREATE INDEX ix_hoax_case_regions_region ON hoax_case_regions(region);

CREATE TABLE hoax_case_channels (
    case_id INTEGER NOT NULL REFERENCES hoax_cases(id),
    channel TEXT NOT NULL,
    PRIMARY KEY (case_id, channel)
) WITHOUT ROWID;

-- one report; the reporter only as a salted hash; account/address (where the answer goes),
-- reporter, content, link and media reference are purged retention_days after the verdict
CREATE TABLE hoax_reports (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES hoax_cases(id),
    channel     TEXT NOT NULL,
    account     TEXT,
    address     TEXT,
    reporter    TEXT,
    content     TEXT,
    link        TEXT,
    media_ref   TEXT,
    media_hash  TEXT,
    region      TEXT,
    language    TEXT NOT NULL DEFAULT 'id',
    at          REAL NOT NULL,
    day         INTEGER NOT NULL,  -- UTC day number (at // 86400), for per-day counts
    answered_at REAL,
    purged_at   REAL
);
CREATE INDEX ix_hoax_reports_case ON hoax_reports(case_id, id);
CREATE INDEX ix_hoax_reports_day ON hoax_reports(day);

-- verdicts: proposed by one verifier, confirmed by another (status proposed, confirmed,
-- rejected, superseded); content_hash pins label + explanation + sources at proposal
CREATE TABLE hoax_verdicts (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES hoax_cases(id),
    label        TEXT NOT NULL,
    -- the claim as the verifier words it for the public registry (never a resident's text)
    claim        TEXT NOT NULL,
    explanation  TEXT NOT NULL,
    sources      TEXT NOT NULL,
    author       TEXT NOT NULL,
    at           REAL NOT NULL,
    content_hash TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'proposed',
    decided_by   TEXT,
    decided_at   REAL,
    reason       TEXT
);
CREATE INDEX ix_hoax_verdicts_case ON hoax_verdicts(case_id, id);
CREATE INDEX ix_hoax_verdicts_confirmed ON hoax_verdicts(status, decided_at);
