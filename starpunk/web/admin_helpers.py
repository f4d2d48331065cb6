"""Small helpers for the admin pages: tag fields, photo rows, post counts, device names."""

from __future__ import annotations

import html
import re
import sqlite3
from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict

from starpunk.notes.model import Note

_TAGS = re.compile(r"<[^>]+>")
_PHOTO_ACTION = re.compile(r"^photo-(?P<verb>up|down|remove):(?P<index>\d{1,4})$")
#: One attached photo as the editor and the ``photo`` property hold it.
Photo = dict[str, str]
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


def clean_alt(text: str | None) -> str:
    """Alt text on one line, without surrounding or repeated white space."""
    return " ".join((text or "").split())


def note_photos(properties: Mapping[str, Any]) -> list[Photo]:
    """The post's ``photo`` values as ``{"value", "alt"}`` rows (plain URLs get an empty alt)."""
    rows = []
    for value in properties.get("photo", []):
        if isinstance(value, str) and value:
            rows.append({"value": value, "alt": ""})
        elif isinstance(value, dict) and isinstance(value.get("value"), str) and value["value"]:
            rows.append({"value": value["value"], "alt": clean_alt(str(value.get("alt") or ""))})
    return rows


def form_photos(form: MultiDict[str, str]) -> list[Photo]:
    """The attached photos the editor form sent back (``photo_url``/``photo_alt`` in order)."""
    urls = form.getlist("photo_url")
    alts = form.getlist("photo_alt")
    return [
        {"value": url.strip(), "alt": clean_alt(alts[index] if index < len(alts) else "")}
        for index, url in enumerate(urls)
        if url.strip()
    ]


def apply_photo_action(photos: list[Photo], action: str) -> bool:
    """Move a photo up or down or remove it for ``photo-up:N`` style actions.

    Returns whether ``action`` was a photo action (an index out of range changes nothing).
    """
    match = _PHOTO_ACTION.match(action)
    if match is None:
        return False
    index = int(match["index"])
    if index >= len(photos):
        return True
    if match["verb"] == "remove":
        del photos[index]
    else:
        other = index - 1 if match["verb"] == "up" else index + 1
        if 0 <= other < len(photos):
            photos[index], photos[other] = photos[other], photos[index]
    return True


def with_photos(properties: Mapping[str, Any], photos: list[Photo]) -> dict[str, Any]:
    """``properties`` with its ``photo`` list replaced by ``photos`` (every other kept)."""
    merged = {name: values for name, values in properties.items() if name != "photo"}
    if photos:
        merged["photo"] = [{"value": p["value"], "alt": p["alt"]} for p in photos]
    return merged
