-- self-service (issue 13): a DAFTAR by name that matched several regions waits here for the
-- numbered answer of the person who asked (voter: salted hash)
CREATE TABLE region_choices (
    account    TEXT NOT NULL,
    address    TEXT NOT NULL,
    voter      TEXT NOT NULL,
    payload    TEXT NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (account, address, voter)
);

-- per user: until when the account may act (NULL: no end) and an e-mail address for invites
CREATE TABLE user_profiles (
    name        TEXT PRIMARY KEY,
    valid_until REAL,
    email       TEXT
);
