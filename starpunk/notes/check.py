"""Integrity: find where files and rows disagree, repair what is safe, rebuild the index.

The Markdown files are the owner's copy and win over the index, except that a row whose
file is missing still holds the full post, so the file is written back from it. Nothing is
ever deleted: unreadable files are moved to ``DATA_PATH/notes/.quarantine/``.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from starpunk.database import transaction
from starpunk.notes.files import (
    NoteFileError,
    content_hash,
    ensure_dir,
    fsync_dir,
    note_files,
    parse_note_file,
    read_bytes,
    write_atomic,
)
from starpunk.notes.fts import clear_fts, ensure_fts
from starpunk.notes.model import utc_now
from starpunk.notes.rows import (
    COLUMNS,
    build_note,
    bump_content_version,
    note_file,
    note_from_row,
    save_row,
    upsert_row,
)

QUARANTINE = "notes/.quarantine"


class ProblemKind(StrEnum):
    """The kinds of disagreement :func:`check` reports."""

    MISSING_FILE = "missing-file"
    ORPHAN_FILE = "orphan-file"
    HASH_MISMATCH = "hash-mismatch"
    UNPARSEABLE = "unparseable"


@dataclass(frozen=True)
class Problem:
    """One problem: its kind, the file (relative to ``DATA_PATH``) and the row's slug if any."""

    kind: ProblemKind
    path: str
    slug: str | None = None
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind}: {self.path}" + (f" ({self.detail})" if self.detail else "")


def check(conn: sqlite3.Connection, data_path: Path | str) -> list[Problem]:
    """Compare every row with its file and every file with the rows."""
    data_path = Path(data_path)
    problems: list[Problem] = []
    indexed: set[str] = set()
    for row in conn.execute("SELECT slug, path, content_hash FROM notes ORDER BY path"):
        indexed.add(row["path"])
        data = read_bytes(data_path / row["path"])
        if data is None:
            problems.append(Problem(ProblemKind.MISSING_FILE, row["path"], row["slug"]))
        elif content_hash(data) != row["content_hash"]:
            problems.append(_changed_file(data_path, row["path"], row["slug"], data))
    for file in note_files(data_path):
        relpath = file.relative_to(data_path).as_posix()
        if relpath in indexed:
            continue
        try:
            record = parse_note_file(file.read_bytes(), file)
        except NoteFileError as exc:
            problems.append(Problem(ProblemKind.UNPARSEABLE, relpath, None, str(exc)))
        else:
            problems.append(Problem(ProblemKind.ORPHAN_FILE, relpath, record.slug))
    return problems


def _changed_file(data_path: Path, relpath: str, slug: str, data: bytes) -> Problem:
    try:
        parse_note_file(data, data_path / relpath)
    except NoteFileError as exc:
        return Problem(ProblemKind.UNPARSEABLE, relpath, slug, str(exc))
    return Problem(ProblemKind.HASH_MISMATCH, relpath, slug, "the file changed since indexing")


def repair(conn: sqlite3.Connection, data_path: Path | str, problems: list[Problem]) -> list[str]:
    """Fix what can be fixed safely; return one line per problem saying what was done."""
    data_path = Path(data_path)
    actions = []
    for problem in problems:
        try:
            actions.append(_REPAIRS[problem.kind](conn, data_path, problem))
        except (NoteFileError, OSError, sqlite3.Error) as exc:
            actions.append(f"could not repair {problem.path}: {exc}")
    return actions


def _index_file(conn: sqlite3.Connection, data_path: Path, problem: Problem) -> str:
    file = data_path / problem.path
    data = file.read_bytes()
    record = parse_note_file(data, file)
    with transaction(conn):
        ensure_fts(conn)
        row = conn.execute("SELECT path FROM notes WHERE slug = ?", (record.slug,)).fetchone()
        if row is not None and row["path"] != problem.path:
            raise NoteFileError(f"its slug {record.slug!r} belongs to {row['path']}; left as is")
        upsert_row(conn, build_note(record, data, path=problem.path))
        bump_content_version(conn)
    if problem.kind is ProblemKind.ORPHAN_FILE:
        return f"re-indexed {problem.path}"
    return f"re-read {problem.path} into the index (the file wins)"


def _rewrite_from_row(conn: sqlite3.Connection, data_path: Path, problem: Problem) -> str:
    with transaction(conn):
        row = conn.execute(f"SELECT {COLUMNS} FROM notes WHERE slug = ?", (problem.slug,))
        found = row.fetchone()
        if found is None:
            raise NoteFileError("its row is gone")
        note = note_from_row(found)
        target = data_path / note.path
        if target.exists():
            return f"left {note.path} alone: the file is back"
        data = note_file(note).to_bytes()
        write_atomic(target, data)
        note.content_hash = content_hash(data)
        save_row(conn, note)
        bump_content_version(conn)
    return f"re-wrote {note.path} from the index"


def _quarantine(conn: sqlite3.Connection, data_path: Path, problem: Problem) -> str:
    source = data_path / problem.path
    folder = data_path / QUARANTINE
    ensure_dir(folder)
    stem = problem.path.removeprefix("notes/").replace("/", "-")
    stamp = utc_now().strftime("%Y%m%dT%H%M%SZ")
    target, number = folder / f"{stamp}-{stem}", 1
    while target.exists():
        number += 1
        target = folder / f"{stamp}-{number}-{stem}"
    os.replace(source, target)
    fsync_dir(source.parent)
    fsync_dir(folder)
    action = f"moved {problem.path} to {target.relative_to(data_path).as_posix()}"
    if problem.slug is None:
        return action
    return f"{action}; {_rewrite_from_row(conn, data_path, problem)}"


_REPAIRS: dict[ProblemKind, Callable[[sqlite3.Connection, Path, Problem], str]] = {
    ProblemKind.ORPHAN_FILE: _index_file,
    ProblemKind.HASH_MISMATCH: _index_file,
    ProblemKind.MISSING_FILE: _rewrite_from_row,
    ProblemKind.UNPARSEABLE: _quarantine,
}


def reindex(
    conn: sqlite3.Connection,
    data_path: Path | str,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Rebuild every row, tag and FTS entry from the files alone, in one transaction.

    Rows keep their ids (matched by slug); rows without a file are dropped, so run
    ``check``/``repair`` first to write such files back. Refuses (:class:`NoteFileError`,
    touching nothing) when a file cannot be parsed or two files claim one slug.
    ``progress(done, total)`` is called after each file. Returns the number of notes.
    """
    data_path = Path(data_path)
    files = note_files(data_path)
    notes, errors, owners = [], [], {}
    for done, file in enumerate(files, start=1):
        relpath = file.relative_to(data_path).as_posix()
        data = file.read_bytes()
        try:
            record = parse_note_file(data, file)
        except NoteFileError as exc:
            errors.append(f"{relpath}: {exc}")
        else:
            if record.slug in owners:
                errors.append(f"{relpath}: slug {record.slug!r} is also in {owners[record.slug]}")
            owners[record.slug] = relpath
            notes.append(build_note(record, data, path=relpath))
        if progress is not None:
            progress(done, len(files))
    if errors:
        raise NoteFileError("cannot re-index; repair these files first:\n" + "\n".join(errors))
    with transaction(conn):
        ensure_fts(conn)
        clear_fts(conn)
        ids = {row["slug"]: row["id"] for row in conn.execute("SELECT id, slug FROM notes")}
        for note in notes:
            note.id = ids.pop(note.slug, 0)
            save_row(conn, note)
        conn.executemany("DELETE FROM notes WHERE id = ?", [(note_id,) for note_id in ids.values()])
        bump_content_version(conn)
    return len(notes)
