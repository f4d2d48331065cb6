"""Small helpers for the admin pages: tag fields, post counts, device names, excerpts."""

from __future__ import annotations

import html
import re
import sqlite3

from starpunk.notes.model import Note

_TAGS = re.compile(r"<[^>]+>")
_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
    ("python-requests", "Python requests"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def split_tags(text: str) -> list[str]:
    """The comma-separated tags of a form field (normalised later by the store)."""
    return [part for part in (text or "").split(",") if part.strip()]


def post_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """How many posts each dashboard filter shows."""
    row = conn.execute(
        "SELECT count(*),"
        " coalesce(sum(deleted_at IS NULL AND status = 'published'), 0),"
        " coalesce(sum(deleted_at IS NULL AND status = 'draft'), 0),"
        " coalesce(sum(deleted_at IS NOT NULL), 0) FROM notes"
    ).fetchone()
    return {"all": row[0], "published": row[1], "draft": row[2], "deleted": row[3]}


def describe_device(user_agent: str) -> str:
    """A short human name for a browser's User-Agent, e.g. ``Firefox on Linux``."""
    browser = next((name for key, name in _BROWSERS if key in user_agent), None)
    system = next((name for key, name in _SYSTEMS if key in user_agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or (user_agent[:60] if user_agent else "Unknown device")


def excerpt(note: Note, length: int = 90) -> str:
    """The post's title, or the start of its text without markup."""
    if note.name:
        return note.name
    text = " ".join(html.unescape(_TAGS.sub(" ", note.html)).split())
    if not text:
        return f"({note.kind})"
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
