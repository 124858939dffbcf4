-- per-channel state: provider receipts, messaging windows (issue 4: WhatsApp)

-- a provider message id → the delivery it belongs to, with its latest receipt. A receipt can
-- beat the sender's write of the id by a few milliseconds: it is kept with delivery_id NULL and
-- joined when the id is written.
CREATE TABLE provider_messages (
    account     TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    delivery_id INTEGER REFERENCES deliveries(id),
    status      TEXT NOT NULL DEFAULT 'accepted',
    error       TEXT,
    updated_at  REAL NOT NULL,
    PRIMARY KEY (account, message_id)
);
CREATE INDEX ix_provider_messages_delivery ON provider_messages(delivery_id);

-- when each recipient last wrote to the account (WhatsApp's 24-hour window)
CREATE TABLE inbound_windows (
    account  TEXT NOT NULL,
    address  TEXT NOT NULL,
    last_at  REAL NOT NULL,
    PRIMARY KEY (account, address)
);

-- "the latest poll sent to this group" for votes by number reply
CREATE INDEX ix_polls_group ON polls(account, group_id, dispatch_id);
