"""The owner's copy of a note: a Markdown file with a strict, JSON-valued front matter.

```
---
slug: "hello-world"
status: "published"
name: "Hello world"
tags: ["indieweb"]
published: "2026-11-24T18:55:01Z"
updated: null
deleted_at: null
was_published: true
properties: {"syndication": ["https://example.social/@me/1"]}
---
The Markdown body, byte for byte.
```
Each front-matter line is ``key: <JSON value>``, so parsing is exact and needs no YAML.
Files are written atomically: temp file → fsync → ``os.replace`` → fsync of the directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from starpunk.errors import BadRequest
from starpunk.notes.model import (
    RESERVED_PROPERTIES,
    STATUSES,
    format_time,
    normalize_tags,
    note_relpath,
    parse_time,
)
from starpunk.notes.slugs import SLUG_RE

FENCE = "---"
KEYS = (
    "slug", "status", "name", "tags", "published", "updated", "deleted_at", "was_published",
    "properties",
)  # fmt: skip
_REQUIRED = frozenset({"slug", "status", "published"})
_LINE = re.compile(r"^([a-z_]+): (.+)$")


class NoteFileError(ValueError):
    """A note file that cannot be read back (bad encoding, front matter or values)."""


@dataclass
class NoteFile:
    """Everything a note file holds; the file alone is a complete copy of the post."""

    slug: str
    status: str
    published: datetime
    content: str = ""
    name: str | None = None
    tags: list[str] = field(default_factory=list)
    updated: datetime | None = None
    deleted_at: datetime | None = None
    was_published: bool = False
    properties: dict[str, list] = field(default_factory=dict)

    @property
    def relpath(self) -> str:
        """The canonical path of this file relative to ``DATA_PATH``."""
        return note_relpath(self.slug, self.published)

    def to_bytes(self) -> bytes:
        """Serialise to the exact bytes written to disk."""
        values: dict[str, Any] = {
            "slug": self.slug,
            "status": self.status,
            "name": self.name,
            "tags": self.tags,
            "published": format_time(self.published),
            "updated": format_time(self.updated) if self.updated else None,
            "deleted_at": format_time(self.deleted_at) if self.deleted_at else None,
            "was_published": self.was_published,
            "properties": self.properties,
        }
        lines = [FENCE]
        lines += [f"{key}: {_dumps(values[key])}" for key in KEYS]
        lines.append(FENCE)
        return ("\n".join(lines) + "\n" + self.content).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> NoteFile:
        """Parse a note file; :class:`NoteFileError` explains the first problem found."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NoteFileError(f"not UTF-8: {exc}") from None
        if not text.startswith(FENCE + "\n"):
            raise NoteFileError("missing the opening '---' line")
        end = text.find("\n" + FENCE + "\n", len(FENCE))
        if end < 0:
            raise NoteFileError("missing the closing '---' line")
        header = _parse_header(text[len(FENCE) + 1 : end])
        content = text[end + len(FENCE) + 2 :]
        try:
            return cls(
                slug=_check_slug(header["slug"]),
                status=_check_status(header["status"]),
                published=parse_time(header["published"]),
                content=content,
                name=_check_name(header.get("name")),
                tags=_check_tags(header.get("tags", [])),
                updated=_optional_time(header.get("updated")),
                deleted_at=_optional_time(header.get("deleted_at")),
                was_published=_check_bool(header.get("was_published", False)),
                properties=check_properties(header.get("properties", {})),
            )
        except (ValueError, BadRequest) as exc:
            raise NoteFileError(str(exc)) from None


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


def _parse_header(block: str) -> dict[str, Any]:
    header: dict[str, Any] = {}
    for number, line in enumerate(block.split("\n"), start=2):
        match = _LINE.match(line)
        if not match:
            raise NoteFileError(f"line {number}: expected 'key: <JSON value>'")
        key, raw = match.groups()
        if key not in KEYS:
            raise NoteFileError(f"line {number}: unknown key {key!r}")
        if key in header:
            raise NoteFileError(f"line {number}: duplicate key {key!r}")
        try:
            header[key] = json.loads(raw, parse_constant=_reject_constant)
        except ValueError as exc:
            raise NoteFileError(f"line {number}: {key}: invalid JSON ({exc})") from None
    missing = _REQUIRED - header.keys()
    if missing:
        raise NoteFileError(f"missing required keys: {', '.join(sorted(missing))}")
    return header


def _check_slug(value: Any) -> str:
    if not isinstance(value, str) or not SLUG_RE.match(value):
        raise ValueError(f"slug: not a valid slug: {value!r}")
    return value


def _check_status(value: Any) -> str:
    if value not in STATUSES:
        raise ValueError(f"status: must be one of {', '.join(STATUSES)}")
    return value


def _check_name(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError("name: must be a string or null")
    return value


def _check_tags(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise ValueError("tags: must be a list of strings")
    return normalize_tags(value)


def _optional_time(value: Any) -> datetime | None:
    return None if value is None else parse_time(value)


def _check_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("was_published: must be true or false")
    return value


def check_properties(value: Any) -> dict[str, list]:
    """Validate mf2 properties (string keys → lists of JSON values); return a deep copy."""
    if not isinstance(value, dict):
        raise BadRequest("Properties must be an object of property name → list of values.")
    for key, values in value.items():
        if not isinstance(key, str) or not key:
            raise BadRequest("Property names must be non-empty strings.")
        if key in RESERVED_PROPERTIES:
            raise BadRequest(f"The property {key!r} has its own field; pass it there.")
        if not isinstance(values, list):
            raise BadRequest(f"The property {key!r} must be a list of values.")
    try:
        return json.loads(_dumps(value))
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"Properties must be plain JSON values: {exc}") from None


def content_hash(data: bytes) -> str:
    """The SHA-256 (hex) of a file's bytes, as stored in the row."""
    return hashlib.sha256(data).hexdigest()


def read_bytes(path: Path) -> bytes | None:
    """The file's bytes, or ``None`` when it does not exist."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def fsync_dir(directory: Path) -> None:
    """Make a rename or unlink inside ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_dir(directory: Path) -> None:
    """Create ``directory`` and missing parents, fsyncing each parent that gained an entry."""
    missing = []
    current = directory
    while not current.exists():
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        path.mkdir(exist_ok=True)
        fsync_dir(path.parent)


def temp_path(path: Path) -> Path:
    """The temporary sibling a write goes through (hidden, so scans skip it)."""
    return path.with_name(f".{path.name}.tmp")


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` all-or-nothing: temp → fsync → ``os.replace`` → fsync dir."""
    ensure_dir(path.parent)
    tmp = temp_path(path)
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if tmp.is_file():
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise
    fsync_dir(path.parent)


def remove_durable(path: Path) -> None:
    """Delete ``path`` (if present) and make the removal durable."""
    try:
        path.unlink()
    except FileNotFoundError:
        return
    fsync_dir(path.parent)


def parse_note_file(data: bytes, path: Path) -> NoteFile:
    """Parse the file at ``path`` (already read as ``data``); its name must match its slug."""
    record = NoteFile.from_bytes(data)
    if path.name != f"{record.slug}.md":
        raise NoteFileError(f"the front matter slug {record.slug!r} does not match the file name")
    return record


def note_files(data_path: Path) -> list[Path]:
    """Every ``notes/**/*.md`` file, sorted; hidden files and folders (quarantine) are skipped."""
    root = data_path / "notes"
    found: list[Path] = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        found += [
            Path(folder) / name
            for name in names
            if name.endswith(".md") and not name.startswith(".")
        ]
    return sorted(found)
