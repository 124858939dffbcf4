-- broadcaster schema, version 2 (PostgreSQL only): scale-out over many processes

-- scale-out: named leases (a channel account's sender, the scheduler) held by one process at a
-- time; expires_at is on the database clock, so machines' clocks never need to agree
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at DOUBLE PRECISION NOT NULL
);
