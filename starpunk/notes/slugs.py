"""Slugs: generated from the title or the first words, unique forever, never a reserved word."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime
from pathlib import Path

from slugify import slugify

from starpunk.errors import BadRequest
from starpunk.notes.model import note_relpath, to_utc

MAX_SLUG_LENGTH = 60
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: First path segments the site uses (or may use) for itself.
RESERVED = frozenset(
    {
        "admin", "api", "auth", "feed", "feeds", "health", "indieauth", "login", "logout",
        "media", "metrics", "micropub", "note", "notes", "opml", "search", "static", "tag",
        "tags", "token", "webmention", "well-known", "robots", "sitemap", "favicon",
    }
)  # fmt: skip
_WORDS_FOR_SLUG = 12
_URL = re.compile(r"https?://\S+|www\.\S+")
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_APOSTROPHES = [["'", ""], ["\u2019", ""]]


def base_slug(text: str, max_length: int = MAX_SLUG_LENGTH) -> str:
    """``text`` transliterated to ``a-z0-9-``, cut on a word boundary (may be ``''``)."""
    slug = slugify(text, replacements=_APOSTROPHES)
    if len(slug) <= max_length:
        return slug
    head = slug[: max_length + 1]
    return head.rsplit("-", 1)[0] if "-" in head else slug[:max_length]


def slug_source(name: str | None, content: str) -> str:
    """The text a slug is made from: the title, else the first words of the content."""
    if name and name.strip():
        return name
    text = _MD_LINK.sub(r"\1", _MD_IMAGE.sub(" ", content))
    return " ".join(_URL.sub(" ", text).split()[:_WORDS_FOR_SLUG])


def timestamp_slug(when: datetime) -> str:
    """The fallback slug for text with nothing to transliterate: ``YYYYMMDD-HHMMSS`` (UTC)."""
    return to_utc(when).strftime("%Y%m%d-%H%M%S")


def is_taken(conn: sqlite3.Connection, data_path: Path, slug: str, published: datetime) -> bool:
    """Whether a row (deleted ones included) or the would-be file already uses ``slug``."""
    row = conn.execute("SELECT 1 FROM notes WHERE slug = ?", (slug,)).fetchone()
    return row is not None or (Path(data_path) / note_relpath(slug, published)).exists()


def validate_slug(conn: sqlite3.Connection, data_path: Path, slug: str, published: datetime) -> str:
    """Check a slug the author chose; :class:`BadRequest` says what is wrong with it."""
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        raise BadRequest(
            f"The slug {str(slug)[:80]!r} is not valid: use lowercase letters a-z, digits and "
            "single hyphens between them."
        )
    if len(slug) > MAX_SLUG_LENGTH:
        raise BadRequest(f"The slug is too long: at most {MAX_SLUG_LENGTH} characters.")
    if slug in RESERVED:
        raise BadRequest(f"The slug {slug!r} is reserved by the site; choose another.")
    if is_taken(conn, data_path, slug, published):
        raise BadRequest(f"The slug {slug!r} is already in use; choose another.")
    return slug


def generate_slug(
    conn: sqlite3.Connection,
    data_path: Path,
    *,
    name: str | None,
    content: str,
    published: datetime,
) -> str:
    """A free slug from the title or content; ``-2``, ``-3``… on collision; timestamp fallback."""
    base = base_slug(slug_source(name, content)) or timestamp_slug(published)
    if base not in RESERVED and not is_taken(conn, data_path, base, published):
        return base
    number = 2
    while True:
        suffix = f"-{number}"
        stem = base if len(base) + len(suffix) <= MAX_SLUG_LENGTH else _shorten(base, suffix)
        candidate = stem + suffix
        if not is_taken(conn, data_path, candidate, published):
            return candidate
        number += 1


def _shorten(base: str, suffix: str) -> str:
    cut = base_slug(base.replace("-", " "), MAX_SLUG_LENGTH - len(suffix))
    return cut or base[: MAX_SLUG_LENGTH - len(suffix)].strip("-")
