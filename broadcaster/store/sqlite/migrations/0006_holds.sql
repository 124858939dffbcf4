-- holds (issue 10): a delivery waiting for a cause outside it (the number's quiet hours, its
-- daily cap, a provider's pause or block) says so, and until when; released as soon as the cause
-- is gone (a restart with changed config re-checks every hold, see Store.release_holds)
ALTER TABLE deliveries ADD COLUMN held_reason TEXT;
ALTER TABLE deliveries ADD COLUMN held_until REAL;
CREATE INDEX ix_deliveries_held ON deliveries(dispatch_id) WHERE held_reason IS NOT NULL;

-- messages sent per account and local day (a WAHA number's daily cap survives restarts)
CREATE TABLE daily_counts (
    account TEXT NOT NULL,
    day     TEXT NOT NULL,
    sent    INTEGER NOT NULL,
    PRIMARY KEY (account, day)
);
