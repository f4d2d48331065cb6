"""Integrity of the media store: files without rows, rows without files, changed files.

An upload writes its files before its rows, so a file without a row is either a crash
leftover or an upload in progress right now; a row without a file means the file was
removed by hand. :func:`repair_media` therefore only touches orphans older than a day
(``min_age``). Changed files (size differs from the row) are reported, never "fixed".
Media that no post uses are the owner's uploads, not orphans: they are left alone.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from starpunk.database import transaction
from starpunk.media.store import MEDIA_DIR, media_root
from starpunk.notes.files import remove_durable

DEFAULT_MIN_AGE = timedelta(days=1)


class MediaProblemKind(StrEnum):
    """The kinds of disagreement :func:`check_media` reports."""

    ORPHAN_FILE = "orphan-media-file"
    MISSING_FILE = "missing-media-file"
    CHANGED_FILE = "changed-media-file"


@dataclass(frozen=True)
class MediaProblem:
    """One problem; ``path`` is relative to ``DATA_PATH`` (``media/YYYY/MM/...``)."""

    kind: MediaProblemKind
    path: str
    media_id: int | None = None
    variant: str | None = None
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind}: {self.path}" + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True)
class _Known:
    media_id: int
    variant: str | None
    size: int
    created_at: str


def _known_files(conn: sqlite3.Connection) -> dict[str, _Known]:
    known = {
        row["path"]: _Known(row["id"], None, row["size"], row["created_at"])
        for row in conn.execute("SELECT id, path, size, created_at FROM media")
    }
    for row in conn.execute(
        "SELECT v.media_id, v.name, v.path, v.size, m.created_at FROM media_variants v"
        " JOIN media m ON m.id = v.media_id"
    ):
        known[row["path"]] = _Known(row["media_id"], row["name"], row["size"], row["created_at"])
    return known


def _files_on_disk(root: Path) -> dict[str, int]:
    """Every file under ``root`` (temp files included) → its size."""
    found: dict[str, int] = {}
    for folder, subfolders, names in os.walk(root):
        subfolders.sort()
        for name in names:
            path = Path(folder) / name
            found[path.relative_to(root).as_posix()] = path.lstat().st_size
    return found


def check_media(conn: sqlite3.Connection, data_path: Path | str) -> list[MediaProblem]:
    """Compare every media row with its file and every file under ``media/`` with the rows."""
    known = _known_files(conn)
    on_disk = _files_on_disk(media_root(data_path))
    problems = []
    for relpath in sorted(known.keys() | on_disk.keys()):
        shown = f"{MEDIA_DIR}/{relpath}"
        entry = known.get(relpath)
        if entry is None:
            problems.append(MediaProblem(MediaProblemKind.ORPHAN_FILE, shown))
        elif relpath not in on_disk:
            problems.append(
                MediaProblem(MediaProblemKind.MISSING_FILE, shown, entry.media_id, entry.variant)
            )
        elif on_disk[relpath] != entry.size:
            problems.append(MediaProblem(
                MediaProblemKind.CHANGED_FILE, shown, entry.media_id, entry.variant,
                f"{on_disk[relpath]} bytes on disk, {entry.size} recorded",
            ))
    return problems


def repair_media(
    conn: sqlite3.Connection,
    data_path: Path | str,
    problems: list[MediaProblem],
    *,
    min_age: timedelta = DEFAULT_MIN_AGE,
    now: datetime | None = None,
) -> list[str]:
    """Remove orphans older than ``min_age``; return one line per action taken.

    A file without a row is deleted; a row whose original file is gone is deleted with its
    variants (rows and files); a variant row whose file is gone is dropped (pages then
    use the other sizes). Changed files are left for the owner to look at.
    """
    data_path = Path(data_path)
    cutoff = (now or datetime.now(UTC)) - min_age
    actions = []
    for problem in problems:
        if problem.kind is MediaProblemKind.ORPHAN_FILE:
            path = data_path / problem.path
            try:
                modified = datetime.fromtimestamp(path.lstat().st_mtime, UTC)
            except FileNotFoundError:
                continue
            if modified < cutoff:
                remove_durable(path)
                actions.append(f"removed {problem.path} (no row)")
        elif problem.kind is MediaProblemKind.MISSING_FILE and problem.media_id is not None:
            action = _drop_row(conn, data_path, problem, cutoff)
            if action:
                actions.append(action)
    return actions


def _drop_row(
    conn: sqlite3.Connection, data_path: Path, problem: MediaProblem, cutoff: datetime
) -> str | None:
    row = conn.execute(
        "SELECT path, created_at FROM media WHERE id = ?", (problem.media_id,)
    ).fetchone()
    if row is None:  # already dropped with its original
        return None
    created = datetime.strptime(row["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    if created >= cutoff:
        return None
    if problem.variant is not None:
        with transaction(conn):
            conn.execute(
                "DELETE FROM media_variants WHERE media_id = ? AND name = ?",
                (problem.media_id, problem.variant),
            )
        return f"dropped the row of {problem.path} (file missing)"
    variants = [
        r["path"] for r in conn.execute(
            "SELECT path FROM media_variants WHERE media_id = ?", (problem.media_id,)
        )
    ]
    with transaction(conn):
        conn.execute("DELETE FROM media WHERE id = ?", (problem.media_id,))
    for relpath in variants:
        remove_durable(media_root(data_path) / relpath)
    return f"dropped the row of {problem.path} and its variants (file missing)"
