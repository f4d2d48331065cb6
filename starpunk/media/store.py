"""Storing media: files and rows written as one unit, and read back as :class:`Media`.

Files go to ``DATA_PATH/media/YYYY/MM/<random>.<ext>`` (variants ``<random>-<name>.<ext>``),
each through temp file → fsync → rename; then every row in one ``BEGIN IMMEDIATE``
transaction. If a file or the transaction fails, the files already written are removed, so
a row never points at a missing file and a file without a row is only ever a crash leftover
(``starpunk.media.check`` finds those).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import url_for

from starpunk.database import transaction
from starpunk.http import absolute_url
from starpunk.media.variants import Processed
from starpunk.notes.files import remove_durable, write_atomic

log = logging.getLogger(__name__)

MEDIA_DIR = "media"
VARIANT_NAMES = ("thumb", "320", "640", "1280")
#: Every path we ever generate; anything else is not ours (and never served).
RELPATH_RE = re.compile(
    r"^(?P<year>\d{4})/(?P<month>0[1-9]|1[0-2])/(?P<token>[0-9a-f]{20})"
    r"(?:-(?P<variant>thumb|320|640|1280))?\.(?P<ext>jpg|png|gif|webp)$"
)
_MEDIA_COLUMNS = (
    "id, path, content_type, original_type, size, width, height, animated, checksum, created_at"
)


@dataclass(frozen=True)
class Variant:
    """A resized copy: 'thumb' (square) or a width ('320', '640', '1280')."""

    name: str
    path: str
    width: int
    height: int
    size: int
    checksum: str

    @property
    def url(self) -> str:
        """Site-relative URL (needs an app context)."""
        return url_for("media.serve", relpath=self.path)

    @property
    def absolute_url(self) -> str:
        """Absolute URL built from ``SITE_URL`` (needs an app context)."""
        return absolute_url("media.serve", relpath=self.path)


@dataclass(frozen=True)
class Media:
    """One stored image; ``path`` is relative to ``DATA_PATH/media``."""

    id: int
    path: str
    content_type: str
    original_type: str
    size: int
    width: int
    height: int
    animated: bool
    checksum: str
    created_at: str
    variants: tuple[Variant, ...] = ()

    @property
    def url(self) -> str:
        """Site-relative URL (needs an app context)."""
        return url_for("media.serve", relpath=self.path)

    @property
    def absolute_url(self) -> str:
        """Absolute URL built from ``SITE_URL`` (needs an app context)."""
        return absolute_url("media.serve", relpath=self.path)

    def variant(self, name: str) -> Variant | None:
        """The variant called ``name``, if one was made."""
        return next((v for v in self.variants if v.name == name), None)


def media_root(data_path: Path | str) -> Path:
    """The folder every media file lives under."""
    return Path(data_path) / MEDIA_DIR


def checksum(data: bytes) -> str:
    """SHA-256 (hex) of stored bytes."""
    return hashlib.sha256(data).hexdigest()


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _new_base(root: Path, extension: str, now: datetime) -> str:
    """A fresh random relative path; never one that exists already."""
    for _ in range(5):
        base = f"{now:%Y/%m}/{secrets.token_hex(10)}.{extension}"
        if not (root / base).exists():
            return base
    raise RuntimeError("could not find a free media file name")


def variant_path(base: str, name: str) -> str:
    """The relative path of variant ``name`` of the file at ``base``."""
    stem, _, extension = base.rpartition(".")
    return f"{stem}-{name}.{extension}"


def store_processed(
    conn: sqlite3.Connection, data_path: Path | str, processed: Processed,
    *, now: datetime | None = None,
) -> Media:
    """Write the files, then the rows in one transaction; undo the files if anything fails."""
    root = media_root(data_path)
    moment = now or _utc_now()
    base = _new_base(root, processed.extension, moment)
    files = [(base, processed.original)] + [
        (variant_path(base, name), encoded) for name, encoded in processed.variants.items()
    ]
    written: list[Path] = []
    try:
        for relpath, encoded in files:
            target = root / relpath
            write_atomic(target, encoded.data)
            written.append(target)
        with transaction(conn):
            media_id = _insert_rows(conn, base, processed, moment)
    except BaseException:
        for target in written:
            with contextlib.suppress(OSError):
                remove_durable(target)
        raise
    log.info("media stored", extra={"media_id": media_id, "path": base})
    media = get_media(conn, media_id)
    assert media is not None
    return media


def _insert_rows(
    conn: sqlite3.Connection, base: str, processed: Processed, moment: datetime
) -> int:
    original = processed.original
    cur = conn.execute(
        "INSERT INTO media (path, content_type, original_type, size, width, height, animated,"
        " checksum, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (base, processed.content_type, processed.original_type, len(original.data),
         original.width, original.height, int(processed.animated), checksum(original.data),
         moment.strftime("%Y-%m-%dT%H:%M:%SZ")),
    )
    media_id = int(cur.lastrowid or 0)
    conn.executemany(
        "INSERT INTO media_variants (media_id, name, path, size, width, height, checksum)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (media_id, name, variant_path(base, name), len(encoded.data), encoded.width,
             encoded.height, checksum(encoded.data))
            for name, encoded in processed.variants.items()
        ],
    )
    return media_id


def _media_from_rows(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[Media]:
    """Build :class:`Media` values for ``rows``, reading all their variants in one query."""
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    found: dict[int, list[Variant]] = {media_id: [] for media_id in ids}
    marks = ", ".join("?" * len(ids))
    for r in conn.execute(
        "SELECT media_id, name, path, width, height, size, checksum FROM media_variants"
        f" WHERE media_id IN ({marks})", ids,
    ):
        found[r["media_id"]].append(
            Variant(r["name"], r["path"], r["width"], r["height"], r["size"], r["checksum"])
        )
    order = {name: index for index, name in enumerate(VARIANT_NAMES)}
    return [
        Media(
            id=row["id"], path=row["path"], content_type=row["content_type"],
            original_type=row["original_type"], size=row["size"], width=row["width"],
            height=row["height"], animated=bool(row["animated"]), checksum=row["checksum"],
            created_at=row["created_at"],
            variants=tuple(sorted(found[row["id"]], key=lambda v: order[v.name])),
        )
        for row in rows
    ]


def _media_from_row(conn: sqlite3.Connection, row: sqlite3.Row) -> Media:
    return _media_from_rows(conn, [row])[0]


def media_by_paths(conn: sqlite3.Connection, relpaths: list[str]) -> dict[str, Media]:
    """The media stored at each of ``relpaths`` (originals only), in two queries."""
    wanted = sorted({path for path in relpaths if RELPATH_RE.match(path)})
    if not wanted:
        return {}
    marks = ", ".join("?" * len(wanted))
    rows = conn.execute(
        f"SELECT {_MEDIA_COLUMNS} FROM media WHERE path IN ({marks})", wanted
    ).fetchall()
    return {media.path: media for media in _media_from_rows(conn, rows)}


def latest_media(conn: sqlite3.Connection) -> Media | None:
    """The most recent upload, or None."""
    row = conn.execute(f"SELECT {_MEDIA_COLUMNS} FROM media ORDER BY id DESC LIMIT 1").fetchone()
    return _media_from_row(conn, row) if row else None


def get_media(conn: sqlite3.Connection, media_id: int) -> Media | None:
    """The media with ``media_id``, or None."""
    row = conn.execute(f"SELECT {_MEDIA_COLUMNS} FROM media WHERE id = ?", (media_id,)).fetchone()
    return _media_from_row(conn, row) if row else None


def media_by_path(conn: sqlite3.Connection, relpath: str) -> Media | None:
    """The media whose original or one of whose variants is at ``relpath``, or None."""
    match = RELPATH_RE.match(relpath)
    if not match:
        return None
    base = f"{match['year']}/{match['month']}/{match['token']}.{match['ext']}"
    row = conn.execute(
        f"SELECT {_MEDIA_COLUMNS} FROM media WHERE path = ?", (base,)
    ).fetchone()
    return _media_from_row(conn, row) if row else None


def served_file(conn: sqlite3.Connection, relpath: str) -> tuple[str, str] | None:
    """``(content_type, checksum)`` of the stored file at ``relpath``, or None if not ours."""
    if not RELPATH_RE.match(relpath):
        return None
    row = conn.execute(
        "SELECT content_type, checksum FROM media WHERE path = ?"
        " UNION ALL SELECT m.content_type, v.checksum FROM media_variants v"
        " JOIN media m ON m.id = v.media_id WHERE v.path = ? LIMIT 1",
        (relpath, relpath),
    ).fetchone()
    return (row[0], row[1]) if row else None
