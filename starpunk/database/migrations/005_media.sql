-- Media: one row per stored image (the re-encoded original, metadata stripped) and one per
-- resized variant. Files live under DATA_PATH/media/ at `path` ('YYYY/MM/<random>.<ext>',
-- variants '<random>-<name>.<ext>'); names are generated, never taken from the client.
-- `checksum` is the SHA-256 (hex) of the stored bytes and doubles as the HTTP ETag.
-- Times are UTC 'YYYY-MM-DDTHH:MM:SSZ' text written by the application.
CREATE TABLE media (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    content_type TEXT NOT NULL
        CHECK (content_type IN ('image/jpeg', 'image/png', 'image/gif', 'image/webp')),
    original_type TEXT NOT NULL,
    size INTEGER NOT NULL CHECK (size > 0),
    width INTEGER NOT NULL CHECK (width > 0),
    height INTEGER NOT NULL CHECK (height > 0),
    animated INTEGER NOT NULL DEFAULT 0 CHECK (animated IN (0, 1)),
    checksum TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX media_created ON media (created_at DESC, id DESC);

-- name: 'thumb' (150 px square crop) or the width in pixels ('320', '640', '1280').
CREATE TABLE media_variants (
    media_id INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    name TEXT NOT NULL CHECK (name IN ('thumb', '320', '640', '1280')),
    path TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL CHECK (size > 0),
    width INTEGER NOT NULL CHECK (width > 0),
    height INTEGER NOT NULL CHECK (height > 0),
    checksum TEXT NOT NULL,
    PRIMARY KEY (media_id, name)
) WITHOUT ROWID;
