-- self-service (issue 13): a DAFTAR by name that matched several regions waits here for the
-- numbered answer of the person who asked (voter: salted hash); user accounts that expire
CREATE TABLE region_choices (
    account    TEXT NOT NULL,
    address    TEXT NOT NULL,
    voter      TEXT NOT NULL,
    payload    TEXT NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (account, address, voter)
);

CREATE TABLE user_validity (
    name        TEXT PRIMARY KEY,
    valid_until REAL NOT NULL
);
