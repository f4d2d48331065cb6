-- When the content last changed, for Last-Modified on public pages: every bump of
-- content_version (any write to notes) stamps the time, in every worker's view.
ALTER TABLE content_version ADD COLUMN changed_at TEXT;
UPDATE content_version SET changed_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now');
CREATE TRIGGER content_version_changed_at AFTER UPDATE OF version ON content_version
BEGIN
    UPDATE content_version SET changed_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = 1;
END;
