-- per-channel state: provider receipts, messaging windows (issue 4: WhatsApp)

-- a receipt can beat the sender's write of the id by a few milliseconds: it is kept with
-- delivery_id NULL and joined when the id is written
CREATE TABLE provider_messages (
    account     TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    delivery_id BIGINT REFERENCES deliveries(id),
    status      TEXT NOT NULL DEFAULT 'accepted',
    error       TEXT,
    updated_at  DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (account, message_id)
);
CREATE INDEX ix_provider_messages_delivery ON provider_messages(delivery_id);

CREATE TABLE inbound_windows (
    account  TEXT NOT NULL,
    address  TEXT NOT NULL,
    last_at  DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (account, address)
);

CREATE INDEX ix_polls_group ON polls(account, group_id, dispatch_id);
