-- broadcaster schema, version 13 (issue 16): the public portal's listing.
--
-- The portal lists only announcements that went out (status dispatching or done); these tables
-- hold exactly those, kept by the triggers below, so the portal never reads a draft, a
-- submitted, approved, rejected, scheduled or cancelled announcement, and reads the latest
-- ones from an index instead of parsing every announcement's JSON.
-- published_at: when it first became public (its updated_at when it started dispatching).
-- expires_at: the content's expiry (epoch seconds) so expired-unsent ones can be left out.
-- search: lower-cased titles, bodies and source of every language, for ?q=.
CREATE TABLE portal_items (
    announcement_id INTEGER PRIMARY KEY REFERENCES announcements(id),
    published_at    REAL NOT NULL,
    expires_at      REAL,
    search          TEXT NOT NULL
);
CREATE INDEX ix_portal_items_recent ON portal_items(published_at, announcement_id);

-- one row per region the announcement covers from above: each target region (direct = 1) and
-- each of its ancestors (direct = 0; codes nest by prefix, lengths 2/4/7/10/16/22, see
-- broadcaster/regions.py). "Sent to X or to a part of X" is then one index range on region = X;
-- "sent to an ancestor of X" is region IN (ancestors) AND direct = 1.
CREATE TABLE portal_targets (
    region          TEXT NOT NULL,
    direct          INTEGER NOT NULL,
    announcement_id INTEGER NOT NULL REFERENCES announcements(id),
    published_at    REAL NOT NULL,
    UNIQUE (region, direct, announcement_id)
);
CREATE INDEX ix_portal_targets_recent ON portal_targets(region, published_at);
CREATE INDEX ix_portal_targets_direct ON portal_targets(region, direct, published_at);
CREATE INDEX ix_portal_targets_announcement ON portal_targets(announcement_id);
-- "was anything of this announcement sent" (expired announcements) walks its dispatches
CREATE INDEX ix_dispatches_announcement ON dispatches(announcement_id);

CREATE TRIGGER portal_publish_insert AFTER INSERT ON announcements
WHEN NEW.status IN ('dispatching', 'done')
BEGIN
    INSERT OR IGNORE INTO portal_items(announcement_id, published_at, expires_at, search)
    SELECT NEW.id, NEW.updated_at,
           CAST(strftime('%s', json_extract(NEW.content, '$.expires_at')) AS REAL),
           lower(COALESCE(json_extract(NEW.content, '$.source'), '') || ' ' ||
                 (SELECT group_concat(json_extract(v.value, '$.title') || ' ' ||
                                      json_extract(v.value, '$.body'), ' ')
                  FROM json_each(NEW.content, '$.variants') v));
    INSERT OR IGNORE INTO portal_targets(region, direct, announcement_id, published_at)
    SELECT substr(t.value, 1, l.n), l.n = length(t.value), NEW.id, NEW.updated_at
    FROM json_each(NEW.content, '$.target.regions') t
    JOIN (SELECT 2 AS n UNION ALL SELECT 4 UNION ALL SELECT 7 UNION ALL SELECT 10
          UNION ALL SELECT 16 UNION ALL SELECT 22) l ON l.n <= length(t.value);
END;

CREATE TRIGGER portal_publish_update AFTER UPDATE OF status, content ON announcements
WHEN NEW.status IN ('dispatching', 'done')
BEGIN
    INSERT OR IGNORE INTO portal_items(announcement_id, published_at, expires_at, search)
    SELECT NEW.id, NEW.updated_at,
           CAST(strftime('%s', json_extract(NEW.content, '$.expires_at')) AS REAL),
           lower(COALESCE(json_extract(NEW.content, '$.source'), '') || ' ' ||
                 (SELECT group_concat(json_extract(v.value, '$.title') || ' ' ||
                                      json_extract(v.value, '$.body'), ' ')
                  FROM json_each(NEW.content, '$.variants') v));
    INSERT OR IGNORE INTO portal_targets(region, direct, announcement_id, published_at)
    SELECT substr(t.value, 1, l.n), l.n = length(t.value), NEW.id, NEW.updated_at
    FROM json_each(NEW.content, '$.target.regions') t
    JOIN (SELECT 2 AS n UNION ALL SELECT 4 UNION ALL SELECT 7 UNION ALL SELECT 10
          UNION ALL SELECT 16 UNION ALL SELECT 22) l ON l.n <= length(t.value);
END;

CREATE TRIGGER portal_unpublish AFTER UPDATE OF status ON announcements
WHEN NEW.status NOT IN ('dispatching', 'done')
BEGIN
    DELETE FROM portal_targets WHERE announcement_id = NEW.id;
    DELETE FROM portal_items WHERE announcement_id = NEW.id;
END;

-- announcements that went out before this version
INSERT INTO portal_items(announcement_id, published_at, expires_at, search)
SELECT a.id, a.updated_at,
       CAST(strftime('%s', json_extract(a.content, '$.expires_at')) AS REAL),
       lower(COALESCE(json_extract(a.content, '$.source'), '') || ' ' ||
             (SELECT group_concat(json_extract(v.value, '$.title') || ' ' ||
                                  json_extract(v.value, '$.body'), ' ')
              FROM json_each(a.content, '$.variants') v))
FROM announcements a WHERE a.status IN ('dispatching', 'done');
INSERT OR IGNORE INTO portal_targets(region, direct, announcement_id, published_at)
SELECT substr(t.value, 1, l.n), l.n = length(t.value), a.id, a.updated_at
FROM announcements a, json_each(a.content, '$.target.regions') t
JOIN (SELECT 2 AS n UNION ALL SELECT 4 UNION ALL SELECT 7 UNION ALL SELECT 10
      UNION ALL SELECT 16 UNION ALL SELECT 22) l ON l.n <= length(t.value)
WHERE a.status IN ('dispatching', 'done');
