"""The FTS5 index ``notes_fts`` (rowid = notes.id), kept in step by the store.

The table is created from Python rather than in a migration, so a SQLite build without
FTS5 still migrates and simply searches with ``LIKE`` (see :mod:`starpunk.notes.search`).
"""

from __future__ import annotations

import json
import sqlite3

from starpunk.notes.model import Note

#: Private-use characters that mark snippet highlights; stripped from indexed text.
MARK_START, MARK_END = "\ue000", "\ue001"
_CREATE = (
    "CREATE VIRTUAL TABLE notes_fts USING fts5(name, content, tags, tokenize = 'porter unicode61')"
)


def fts_available(conn: sqlite3.Connection) -> bool:
    """Whether the ``notes_fts`` table exists (FTS5 search is possible)."""
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'notes_fts'"
    ).fetchone()
    return row is not None


def ensure_fts(conn: sqlite3.Connection) -> bool:
    """Create and fill ``notes_fts`` if missing and FTS5 is compiled in; call inside a write.

    Returns whether the index is available.
    """
    if fts_available(conn):
        return True
    try:
        conn.execute(_CREATE)
    except sqlite3.OperationalError:
        return False
    rows = conn.execute("SELECT id, name, content, tags FROM notes").fetchall()
    conn.executemany(
        "INSERT INTO notes_fts (rowid, name, content, tags) VALUES (?, ?, ?, ?)",
        [
            (row["id"], *_texts(row["name"], row["content"], json.loads(row["tags"])))
            for row in rows
        ],
    )
    return True


def _clean(text: str) -> str:
    return text.replace(MARK_START, "").replace(MARK_END, "")


def _texts(name: str | None, content: str, tags: list[str]) -> tuple[str, str, str]:
    return _clean(name or ""), _clean(content), _clean(" ".join(tags))


def index_fts(conn: sqlite3.Connection, note: Note) -> None:
    """Replace the note's FTS entry (when the index exists)."""
    if not fts_available(conn):
        return
    conn.execute("DELETE FROM notes_fts WHERE rowid = ?", (note.id,))
    conn.execute(
        "INSERT INTO notes_fts (rowid, name, content, tags) VALUES (?, ?, ?, ?)",
        (note.id, *_texts(note.name, note.content, note.tags)),
    )


def clear_fts(conn: sqlite3.Connection) -> None:
    """Empty the FTS index (before a full rebuild)."""
    if fts_available(conn):
        conn.execute("DELETE FROM notes_fts")
