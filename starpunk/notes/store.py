"""Writing and reading notes: the file and the row are saved as one unit.

A write goes: temp file → fsync → rename → fsync dir, then the row, its tags, its FTS entry
and the content version in the same ``BEGIN IMMEDIATE`` transaction (which also serialises
slug choice across workers). If anything fails, the transaction rolls back and the file is
put back as it was, so file and row never disagree. ``post_saved`` fires after the commit.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from enum import Enum
from pathlib import Path

from starpunk.database import transaction
from starpunk.errors import BadRequest, Gone, NotFound, StarPunkError
from starpunk.notes.files import (
    NoteFile,
    check_properties,
    read_bytes,
    remove_durable,
    write_atomic,
)
from starpunk.notes.fts import ensure_fts
from starpunk.notes.listing import NotePage, all_tags, list_all, list_notes
from starpunk.notes.model import (
    STATUSES,
    Note,
    derive_kind,
    normalize_tags,
    to_utc,
    utc_now,
)
from starpunk.notes.rows import (
    COLUMNS,
    build_note,
    bump_content_version,
    content_version,
    note_file,
    note_from_row,
    save_row,
)
from starpunk.notes.signals import post_saved
from starpunk.notes.slugs import generate_slug, validate_slug

__all__ = [
    "UNSET",
    "NotePage",
    "all_tags",
    "content_version",
    "create_note",
    "delete_note",
    "get_note",
    "list_all",
    "list_notes",
    "undelete_note",
    "update_note",
]

log = logging.getLogger(__name__)


class Unset(Enum):
    """Type of :data:`UNSET`: "leave this field as it is" in :func:`update_note`."""

    UNSET = "UNSET"


UNSET = Unset.UNSET

Prepare = Callable[[], tuple[Note | None, NoteFile]]


def get_note(conn: sqlite3.Connection, slug: str) -> Note | None:
    """The note with ``slug``, drafts and deleted ones included (callers decide 404/410)."""
    row = conn.execute(f"SELECT {COLUMNS} FROM notes WHERE slug = ?", (slug,)).fetchone()
    return note_from_row(row) if row else None


def create_note(
    conn: sqlite3.Connection,
    data_path: Path | str,
    *,
    content: str,
    name: str | None = None,
    tags: Iterable[str] = (),
    status: str = "published",
    slug: str | None = None,
    published: datetime | None = None,
    properties: dict | None = None,
) -> Note:
    """Create a note; its slug is ``slug`` if given (validated) or generated from the text."""
    data_path = Path(data_path)
    when = to_utc(published) if published is not None else utc_now()
    record = NoteFile(
        slug="",
        status=_check_status(status),
        published=when,
        content=_clean_content(content),
        name=_clean_name(name),
        tags=normalize_tags(tags),
        was_published=status == "published",
        properties=check_properties(properties if properties is not None else {}),
    )
    _require_body(record)

    def prepare() -> tuple[Note | None, NoteFile]:
        if slug is not None:
            record.slug = validate_slug(conn, data_path, slug, when)
        else:
            record.slug = generate_slug(
                conn, data_path, name=record.name, content=record.content, published=when
            )
        return None, record

    note = _save(conn, data_path, prepare)
    post_saved.send(note, action="create", previous=None)
    return note


def update_note(
    conn: sqlite3.Connection,
    data_path: Path | str,
    slug: str,
    *,
    content: str | Unset = UNSET,
    name: str | None | Unset = UNSET,
    tags: Iterable[str] | Unset = UNSET,
    status: str | Unset = UNSET,
    properties: dict | Unset = UNSET,
    new_slug: str | Unset = UNSET,
) -> Note:
    """Change the given fields and set ``updated`` (re-rendering the HTML).

    ``properties`` replaces the whole dict. Publishing a never-published draft stamps
    ``published`` with the current time; from then on the slug (and path) never change, so
    ``new_slug`` is only accepted for drafts that were never published.
    """
    data_path = Path(data_path)
    changes: dict[str, object] = {}
    if content is not UNSET:
        changes["content"] = _clean_content(content)
    if name is not UNSET:
        changes["name"] = _clean_name(name)
    if tags is not UNSET:
        changes["tags"] = normalize_tags(tags)
    if status is not UNSET:
        changes["status"] = _check_status(status)
    if properties is not UNSET:
        changes["properties"] = check_properties(properties)

    before: list[Note] = []

    def prepare() -> tuple[Note | None, NoteFile]:
        old = _existing(conn, slug)
        if old.is_deleted:
            raise Gone(f"The post {slug!r} is deleted; undelete it before editing.")
        before[:] = [old]
        record = replace(note_file(old), **changes)
        now = utc_now()
        if record.status == "published" and not old.slug_locked:
            record.published, record.updated, record.was_published = now, None, True
        else:
            record.updated = now
        if new_slug is not UNSET and new_slug != old.slug:
            if old.slug_locked:
                raise BadRequest("A post that has been published keeps its slug.")
            record.slug = validate_slug(conn, data_path, new_slug, record.published)
        _require_body(record)
        return old, record

    note = _save(conn, data_path, prepare)
    post_saved.send(note, action="update", previous=before[0])
    return note


def delete_note(conn: sqlite3.Connection, data_path: Path | str, slug: str) -> Note:
    """Soft-delete: set ``deleted_at`` in file and row. Deleting a deleted note changes nothing."""
    return _set_deleted(conn, Path(data_path), slug, deleted=True)


def undelete_note(conn: sqlite3.Connection, data_path: Path | str, slug: str) -> Note:
    """Bring a soft-deleted note back. Undeleting a live note changes nothing."""
    return _set_deleted(conn, Path(data_path), slug, deleted=False)


def _set_deleted(conn: sqlite3.Connection, data_path: Path, slug: str, *, deleted: bool) -> Note:
    current = _existing(conn, slug)
    if current.is_deleted == deleted:
        return current

    def prepare() -> tuple[Note | None, NoteFile]:
        old = _existing(conn, slug)
        return old, replace(note_file(old), deleted_at=utc_now() if deleted else None)

    note = _save(conn, data_path, prepare)
    post_saved.send(note, action="delete" if deleted else "undelete", previous=None)
    return note


def _existing(conn: sqlite3.Connection, slug: str) -> Note:
    note = get_note(conn, slug)
    if note is None:
        raise NotFound(f"There is no post {slug!r}.")
    return note


def _save(conn: sqlite3.Connection, data_path: Path, prepare: Prepare) -> Note:
    """Write the file, then the row, as one unit; undo the file if anything fails."""
    undo: Callable[[], None] | None = None
    try:
        with transaction(conn):
            ensure_fts(conn)
            old, record = prepare()
            if old is not None and (old.slug, old.published) == (record.slug, record.published):
                path = old.path
            else:
                path = record.relpath
            target = data_path / path
            old_path = data_path / old.path if old else None
            if target != old_path and target.exists():
                raise StarPunkError(
                    f"{path} already exists without being indexed; run `starpunk check`.",
                    error="conflict",
                    status=409,
                )
            old_bytes = read_bytes(old_path) if old_path else None
            undo = _undoer(target, old_path, old_bytes)
            data = record.to_bytes()
            write_atomic(target, data)
            if old_path is not None and old_path != target:
                remove_durable(old_path)
            note = build_note(record, data, path=path, note_id=old.id if old else 0)
            save_row(conn, note)
            bump_content_version(conn)
    except BaseException:
        _rollback_quietly(conn)
        if undo is not None:
            undo()
        raise
    return note


def _undoer(target: Path, old_path: Path | None, old_bytes: bytes | None) -> Callable[[], None]:
    """Put the files back as they were before a write (best effort, logged on failure)."""

    def undo() -> None:
        try:
            if old_bytes is None or old_path != target:
                remove_durable(target)
            if old_path is not None and old_bytes is not None:
                if read_bytes(old_path) != old_bytes:
                    write_atomic(old_path, old_bytes)
        except OSError:
            log.exception("could not undo a note file write; run `starpunk check`")

    return undo


def _rollback_quietly(conn: sqlite3.Connection) -> None:
    """Roll back a transaction a failed COMMIT left open (the connection may be unusable)."""
    with contextlib.suppress(sqlite3.Error):
        if conn.in_transaction:
            conn.execute("ROLLBACK")


def _check_status(status: str) -> str:
    if status not in STATUSES:
        raise BadRequest(f"The status must be one of: {', '.join(STATUSES)}.")
    return status


def _clean_content(content: str) -> str:
    if not isinstance(content, str):
        raise BadRequest("The content must be text.")
    return content.replace("\r\n", "\n").replace("\r", "\n")


def _clean_name(name: str | None) -> str | None:
    if name is None:
        return None
    if not isinstance(name, str):
        raise BadRequest("The name must be text.")
    return " ".join(name.split()) or None


def _require_body(record: NoteFile) -> None:
    """Refuse an empty post: no text, no name and no property beyond Micropub commands."""
    if record.content.strip() or derive_kind(record.name, record.properties) != "note":
        return
    if any(values and not name.startswith("mp-") for name, values in record.properties.items()):
        return  # e.g. only a summary, or a nested object such as an h-measure
    raise BadRequest(
        "A post needs content, a name or a property such as like-of, photo or summary."
    )
