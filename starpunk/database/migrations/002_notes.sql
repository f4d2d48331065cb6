-- Notes: the row is metadata plus caches (rendered HTML, tags, search) for the Markdown
-- file DATA_PATH/notes/YYYY/MM/<slug>.md, which is the owner's portable copy.
-- Times are UTC 'YYYY-MM-DDTHH:MM:SSZ' text written by the application (sorts in time order).
-- The FTS5 table notes_fts is created by starpunk.notes.fts when this SQLite build has FTS5.
CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('published', 'draft')),
    was_published INTEGER NOT NULL DEFAULT 0 CHECK (was_published IN (0, 1)),
    kind TEXT NOT NULL
        CHECK (kind IN ('note', 'article', 'reply', 'like', 'bookmark', 'repost', 'photo')),
    name TEXT,
    content TEXT NOT NULL,
    html TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    properties TEXT NOT NULL DEFAULT '{}',
    published TEXT NOT NULL,
    updated TEXT,
    deleted_at TEXT,
    content_hash TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- Keyset pagination, newest first: every listing walks an index in order, never sorts or scans.
CREATE INDEX notes_by_status ON notes (status, published DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX notes_live ON notes (published DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX notes_deleted ON notes (published DESC, id DESC) WHERE deleted_at IS NOT NULL;
CREATE INDEX notes_all ON notes (published DESC, id DESC);

-- Normalised tags, with the note's sort key and visibility copied in so tag pages page by index.
CREATE TABLE note_tags (
    note_id INTEGER NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    published TEXT NOT NULL,
    status TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (note_id, tag)
) WITHOUT ROWID;
CREATE INDEX note_tags_by_status ON note_tags (tag, status, published DESC, note_id DESC)
    WHERE deleted = 0;
CREATE INDEX note_tags_live ON note_tags (tag, published DESC, note_id DESC) WHERE deleted = 0;

-- One counter bumped by every write to notes, for cheap cache invalidation across workers.
CREATE TABLE content_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO content_version (id, version) VALUES (1, 0);
