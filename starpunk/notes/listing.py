"""Listing notes with keyset pagination on ``(published, id)``, newest first.

Every listing has its own (partial) index, so a page costs the same few index steps however
many posts exist. Cursors are opaque url-safe strings naming the edge item of a page:
``before=next_cursor`` goes to older posts, ``after=prev_cursor`` to newer ones.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import sqlite3
from dataclasses import dataclass, field

from starpunk.errors import BadRequest
from starpunk.notes.model import Note, format_time, normalize_tag
from starpunk.notes.rows import N_COLUMNS, note_from_row

MAX_LIMIT = 200
_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")

#: Visibility filters, as SQL literals so SQLite can match them to the partial indexes.
_NOTE_FILTERS = {
    "public": "n.deleted_at IS NULL AND n.status = 'published'",
    "live": "n.deleted_at IS NULL",
    "draft": "n.deleted_at IS NULL AND n.status = 'draft'",
    "deleted": "n.deleted_at IS NOT NULL",
    "all": "1 = 1",
}
_TAG_FILTERS = {
    "public": "t.deleted = 0 AND t.status = 'published'",
    "live": "t.deleted = 0",
}
ADMIN_FILTERS = {"published": "public", "draft": "draft", "deleted": "deleted"}


@dataclass
class NotePage:
    """One page of notes; pass ``next_cursor`` as ``before`` and ``prev_cursor`` as ``after``."""

    notes: list[Note] = field(default_factory=list)
    next_cursor: str | None = None
    prev_cursor: str | None = None


@dataclass(frozen=True)
class _Source:
    """Where a listing reads from: tables, filter, key columns and bound parameters."""

    tables: str
    probe_tables: str
    where: str
    key: tuple[str, str]
    params: tuple[object, ...] = ()


def encode_cursor(note: Note) -> str:
    """The opaque cursor for ``note``'s position."""
    return _encode((format_time(note.published), note.id))


def _encode(key: tuple[str, int]) -> str:
    raw = json.dumps(list(key), separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, int]:
    """The ``(published, id)`` a cursor names; :class:`BadRequest` if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        published, note_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise BadRequest("The page cursor is not valid.") from None
    if not isinstance(published, str) or not _TIME_RE.match(published):
        raise BadRequest("The page cursor is not valid.")
    if not isinstance(note_id, int) or isinstance(note_id, bool):
        raise BadRequest("The page cursor is not valid.")
    return published, note_id


def _check_limit(limit: int) -> int:
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"The page size must be between 1 and {MAX_LIMIT}.")
    return limit


def _note_source(visibility: str) -> _Source:
    return _Source("notes n", "notes n", _NOTE_FILTERS[visibility], ("n.published", "n.id"))


def _tag_source(visibility: str, tag: str) -> _Source:
    return _Source(
        "note_tags t JOIN notes n ON n.id = t.note_id",
        "note_tags t",
        f"t.tag = ? AND {_TAG_FILTERS[visibility]}",
        ("t.published", "t.note_id"),
        (tag,),
    )


def _exists(conn: sqlite3.Connection, source: _Source, op: str, key: tuple[str, int]) -> bool:
    published, note_id = source.key
    sql = (
        f"SELECT EXISTS (SELECT 1 FROM {source.probe_tables} WHERE {source.where}"
        f" AND ({published}, {note_id}) {op} (?, ?))"
    )
    return bool(conn.execute(sql, (*source.params, *key)).fetchone()[0])


def _page(
    conn: sqlite3.Connection, source: _Source, limit: int, before: str | None, after: str | None
) -> NotePage:
    limit = _check_limit(limit)
    before, after = before or None, after or None
    if before is not None and after is not None:
        raise BadRequest("Use either 'before' or 'after', not both.")
    newer = after is not None
    cursor = decode_cursor(after if newer else before) if (before or after) else None
    published, note_id = source.key
    where, params = source.where, list(source.params)
    if cursor:
        where += f" AND ({published}, {note_id}) {'>' if newer else '<'} (?, ?)"
        params += cursor
    order = "ASC" if newer else "DESC"
    sql = (
        f"SELECT {N_COLUMNS} FROM {source.tables} WHERE {where}"
        f" ORDER BY {published} {order}, {note_id} {order} LIMIT ?"
    )
    rows = conn.execute(sql, (*params, limit + 1)).fetchall()
    more = len(rows) > limit
    notes = [note_from_row(row) for row in rows[:limit]]
    if newer:
        notes.reverse()
    # The keys at the page's two edges; an empty page's edges are the cursor itself.
    first = (format_time(notes[0].published), notes[0].id) if notes else cursor
    last = (format_time(notes[-1].published), notes[-1].id) if notes else cursor
    if newer:
        has_newer = more
        has_older = last is not None and _exists(conn, source, "<", last)
    else:
        has_older = more
        has_newer = cursor is not None and first is not None and _exists(conn, source, ">", first)
    return NotePage(
        notes=notes,
        next_cursor=_encode(last) if has_older and last else None,
        prev_cursor=_encode(first) if has_newer and first else None,
    )


def list_notes(
    conn: sqlite3.Connection,
    *,
    include_drafts: bool = False,
    tag: str | None = None,
    limit: int = 20,
    before: str | None = None,
    after: str | None = None,
) -> NotePage:
    """Published (optionally also draft) notes, not deleted, newest first; filter by ``tag``."""
    visibility = "live" if include_drafts else "public"
    if tag is None:
        source = _note_source(visibility)
    else:
        source = _tag_source(visibility, normalize_tag(tag))
    return _page(conn, source, limit, before, after)


def list_all(
    conn: sqlite3.Connection,
    *,
    status: str | None = None,
    include_deleted: bool = True,
    limit: int = 50,
    before: str | None = None,
    after: str | None = None,
) -> NotePage:
    """Every note for the admin; ``status`` is ``'published'``, ``'draft'`` or ``'deleted'``.

    The filters do not overlap: ``'published'`` and ``'draft'`` leave deleted notes out,
    ``'deleted'`` lists only deleted ones. With no ``status`` every note is listed, deleted
    ones included unless ``include_deleted`` is false.
    """
    if status is None:
        visibility = "all" if include_deleted else "live"
    elif status in ADMIN_FILTERS:
        visibility = ADMIN_FILTERS[status]
    else:
        raise BadRequest("The status filter must be 'published', 'draft' or 'deleted'.")
    return _page(conn, _note_source(visibility), limit, before, after)


def all_tags(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    """Tags of published, non-deleted notes with their counts, alphabetically."""
    rows = conn.execute(
        "SELECT tag, count(*) FROM note_tags WHERE deleted = 0 AND status = 'published'"
        " GROUP BY tag ORDER BY tag"
    ).fetchall()
    return [(row[0], row[1]) for row in rows]
