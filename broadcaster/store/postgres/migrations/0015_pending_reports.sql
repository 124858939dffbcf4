-- broadcaster schema, version 15: one half of a hoax report, waiting for the other.
--
-- WhatsApp forwards a message as it is, so "this is a hoax" comes as a second message (a bare
-- LAPOR) before or after the forward (adapters/whatsapp/reports.py). The two webhooks may reach
-- different web processes; the half that came first waits here for the other, whichever
-- process receives it, for a few minutes. key: a SHA-256 of the account and the resident's
-- number (never the number itself); kind: 'forward' (data: the forwarded message's report) or
-- 'asked' (a bare LAPOR). A taken row is deleted; rows older than the window are deleted by the
-- next write and by the hoax desk's hourly housekeeping.
CREATE TABLE pending_reports (
    account TEXT NOT NULL,
    key     TEXT NOT NULL,
    kind    TEXT NOT NULL,
    at      DOUBLE PRECISION NOT NULL,
    data    TEXT NOT NULL,
    PRIMARY KEY (account, key, kind)
);
CREATE INDEX ix_pending_reports_at ON pending_reports(at);
