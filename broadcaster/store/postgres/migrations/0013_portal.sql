-- broadcaster schema, version 13 (issue 16): the public portal's listing.
-- The same tables and rules as the SQLite migration of this number (comments there); one
-- trigger function keeps them.
CREATE TABLE portal_items (
    announcement_id BIGINT PRIMARY KEY REFERENCES announcements(id),
    published_at    DOUBLE PRECISION NOT NULL,
    expires_at      DOUBLE PRECISION,
    search          TEXT NOT NULL
);
CREATE INDEX ix_portal_items_recent ON portal_items(published_at, announcement_id);

CREATE TABLE portal_targets (
    region          TEXT COLLATE "C" NOT NULL,
    direct          INTEGER NOT NULL,
    announcement_id BIGINT NOT NULL REFERENCES announcements(id),
    published_at    DOUBLE PRECISION NOT NULL,
    UNIQUE (region, direct, announcement_id)
);
CREATE INDEX ix_portal_targets_recent ON portal_targets(region, published_at);
CREATE INDEX ix_portal_targets_direct ON portal_targets(region, direct, published_at);
CREATE INDEX ix_portal_targets_announcement ON portal_targets(announcement_id);
CREATE INDEX ix_dispatches_announcement ON dispatches(announcement_id);

CREATE FUNCTION portal_sync_row(a_id BIGINT, a_status TEXT, a_content TEXT, a_at DOUBLE PRECISION)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    doc JSONB := a_content::jsonb;
BEGIN
    IF a_status NOT IN ('dispatching', 'done') THEN
        DELETE FROM portal_targets WHERE announcement_id = a_id;
        DELETE FROM portal_items WHERE announcement_id = a_id;
        RETURN;
    END IF;
    INSERT INTO portal_items(announcement_id, published_at, expires_at, search)
    SELECT a_id, a_at,
           EXTRACT(EPOCH FROM (doc ->> 'expires_at')::timestamptz),
           lower(COALESCE(doc ->> 'source', '') || ' ' ||
                 COALESCE((SELECT string_agg((v.value ->> 'title') || ' ' || (v.value ->> 'body'), ' ')
                           FROM jsonb_each(doc -> 'variants') v), ''))
    ON CONFLICT DO NOTHING;
    INSERT INTO portal_targets(region, direct, announcement_id, published_at)
    SELECT substr(t.v, 1, l.n), (l.n = length(t.v))::int, a_id, a_at
    FROM jsonb_array_elements_text(doc -> 'target' -> 'regions') AS t(v)
    JOIN (VALUES (2), (4), (7), (10), (16), (22)) AS l(n) ON l.n <= length(t.v)
    ON CONFLICT DO NOTHING;
END $$;

CREATE FUNCTION portal_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM portal_sync_row(NEW.id, NEW.status, NEW.content, NEW.updated_at);
    RETURN NULL;
END $$;

CREATE TRIGGER portal_sync AFTER INSERT OR UPDATE OF status, content ON announcements
FOR EACH ROW EXECUTE FUNCTION portal_sync();

-- announcements that went out before this version
SELECT portal_sync_row(id, status, content, updated_at) FROM announcements
WHERE status IN ('dispatching', 'done');
