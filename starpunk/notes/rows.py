"""Rows: mapping between :class:`Note`, its file and its row, plus the derived indexes.

Every function here runs inside the caller's transaction.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from starpunk.notes.files import NoteFile, content_hash
from starpunk.notes.fts import index_fts
from starpunk.notes.model import Note, derive_kind, format_time, parse_time
from starpunk.notes.render import render_markdown

COLUMNS = (
    "id, slug, path, status, was_published, kind, name, content, html, tags, properties, "
    "published, updated, deleted_at, content_hash"
)
#: ``COLUMNS`` qualified with the ``n`` alias used in joins.
N_COLUMNS = ", ".join(f"n.{column.strip()}" for column in COLUMNS.split(","))


def _time_or_none(value: str | None) -> datetime | None:
    return parse_time(value) if value else None


def note_from_row(row: sqlite3.Row) -> Note:
    """Build a :class:`Note` from a row selected with :data:`COLUMNS`."""
    return Note(
        id=row["id"],
        slug=row["slug"],
        path=row["path"],
        status=row["status"],
        kind=row["kind"],
        name=row["name"],
        content=row["content"],
        html=row["html"],
        published=parse_time(row["published"]),
        updated=_time_or_none(row["updated"]),
        deleted_at=_time_or_none(row["deleted_at"]),
        tags=json.loads(row["tags"]),
        properties=json.loads(row["properties"]),
        content_hash=row["content_hash"],
        was_published=bool(row["was_published"]),
    )


def note_file(note: Note) -> NoteFile:
    """The file representation of ``note``."""
    return NoteFile(
        slug=note.slug,
        status=note.status,
        published=note.published,
        content=note.content,
        name=note.name,
        tags=list(note.tags),
        updated=note.updated,
        deleted_at=note.deleted_at,
        was_published=note.was_published,
        properties=note.properties,
    )


def build_note(record: NoteFile, data: bytes, *, path: str, note_id: int = 0) -> Note:
    """A :class:`Note` for ``record`` whose file bytes are ``data`` (renders the HTML)."""
    return Note(
        id=note_id,
        slug=record.slug,
        path=path,
        status=record.status,
        kind=derive_kind(record.name, record.properties),
        name=record.name,
        content=record.content,
        html=render_markdown(record.content, doc_id=record.slug),
        published=record.published,
        updated=record.updated,
        deleted_at=record.deleted_at,
        tags=list(record.tags),
        properties=record.properties,
        content_hash=content_hash(data),
        was_published=record.was_published,
    )


def _values(note: Note) -> dict[str, object]:
    return {
        "slug": note.slug,
        "path": note.path,
        "status": note.status,
        "was_published": int(note.was_published),
        "kind": note.kind,
        "name": note.name,
        "content": note.content,
        "html": note.html,
        "tags": json.dumps(note.tags, ensure_ascii=False),
        "properties": json.dumps(note.properties, ensure_ascii=False),
        "published": format_time(note.published),
        "updated": format_time(note.updated) if note.updated else None,
        "deleted_at": format_time(note.deleted_at) if note.deleted_at else None,
        "content_hash": note.content_hash,
    }


def save_row(conn: sqlite3.Connection, note: Note) -> Note:
    """Insert (``id == 0``) or update the row, by id; refresh tags and FTS; set ``note.id``."""
    values = _values(note)
    names = list(values)
    if note.id:
        assignments = ", ".join(f"{name} = :{name}" for name in names)
        conn.execute(f"UPDATE notes SET {assignments} WHERE id = :id", {**values, "id": note.id})
    else:
        columns, params = ", ".join(names), ", ".join(f":{name}" for name in names)
        cursor = conn.execute(f"INSERT INTO notes ({columns}) VALUES ({params})", values)
        note.id = int(cursor.lastrowid or 0)
    _index(conn, note)
    return note


def upsert_row(conn: sqlite3.Connection, note: Note) -> Note:
    """Insert or update the row with ``note.slug`` (keeping its id); used to index files."""
    row = conn.execute("SELECT id FROM notes WHERE slug = ?", (note.slug,)).fetchone()
    note.id = row["id"] if row else 0
    return save_row(conn, note)


def _index(conn: sqlite3.Connection, note: Note) -> None:
    conn.execute("DELETE FROM note_tags WHERE note_id = ?", (note.id,))
    published = format_time(note.published)
    conn.executemany(
        "INSERT INTO note_tags (note_id, tag, published, status, deleted) VALUES (?, ?, ?, ?, ?)",
        [(note.id, tag, published, note.status, int(note.is_deleted)) for tag in note.tags],
    )
    index_fts(conn, note)


def bump_content_version(conn: sqlite3.Connection) -> None:
    """Count one more write (inside the writer's transaction), so caches know to refresh."""
    conn.execute("UPDATE content_version SET version = version + 1 WHERE id = 1")


def content_version(conn: sqlite3.Connection) -> int:
    """The write counter: changes whenever any note is created, edited, deleted or re-indexed."""
    return int(conn.execute("SELECT version FROM content_version WHERE id = 1").fetchone()[0])
