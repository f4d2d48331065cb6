"""Template helpers for showing posts: mf2 property values as safe links, photos, dates."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from markupsafe import Markup

from starpunk.database import get_db
from starpunk.media import Media, media_for_urls
from starpunk.notes import Note

#: Properties shown as the post's context, with their mf2 class and the words before the link.
CONTEXT_PROPERTIES = (
    ("in-reply-to", "u-in-reply-to", "In reply to"),
    ("like-of", "u-like-of", "Liked"),
    ("repost-of", "u-repost-of", "Reposted"),
    ("bookmark-of", "u-bookmark-of", "Bookmarked"),
)


def web_url(value: Any) -> str | None:
    """The http(s) URL an mf2 value names (a string, ``{"value": …}`` or an h-cite), or None.

    Anything else (``javascript:``, ``data:``, relative junk) is never made a link.
    """
    if isinstance(value, dict):
        if "value" in value:
            value = value["value"]
        else:
            urls = value.get("properties", {}).get("url") or [None]
            value = urls[0]
    if not isinstance(value, str):
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return value.strip()


def contexts(note: Note) -> list[tuple[str, str, str]]:
    """``(css class, intro words, url)`` for each reply/like/repost/bookmark target."""
    found = []
    for prop, css, words in CONTEXT_PROPERTIES:
        for value in note.properties.get(prop, []):
            url = web_url(value)
            if url:
                found.append((css, words, url))
    return found


def photos(note: Note) -> list[tuple[str, str]]:
    """``(url, alt text)`` for each photo of the post (plain URLs get an empty alt)."""
    found = []
    for value in note.properties.get("photo", []):
        url = web_url(value)
        if url:
            alt = value.get("alt", "") if isinstance(value, dict) else ""
            found.append((url, str(alt)))
    return found


def photo_media(notes: list[Note]) -> dict[str, Media]:
    """The site's own stored images among the notes' photos (URL → Media), in two queries."""
    urls = [url for note in notes for url, _alt in photos(note)]
    return media_for_urls(get_db(), urls) if urls else {}


def syndications(note: Note) -> list[str]:
    """The copies of this post elsewhere (``syndication`` URLs)."""
    return [url for url in map(web_url, note.properties.get("syndication", [])) if url]


def post_label(note: Note, length: int = 60) -> str:
    """A short plain-text label for a post: its title, or the first words of its text."""
    if note.name:
        return note.name
    text = " ".join(Markup(note.html).striptags().split())
    if len(text) <= length:
        return text or note.slug
    return text[: length - 1].rsplit(" ", 1)[0] + "…"


def host(url: str) -> str:
    """The host and path of a URL, for link text (``github.com/alice``)."""
    parts = urlsplit(url)
    return (parts.netloc + parts.path).rstrip("/")


def human_date(moment: datetime) -> str:
    """A reader-friendly date such as ``24 November 2026``."""
    return f"{moment.day} {moment:%B %Y}"


def iso(moment: datetime) -> str:
    """An RFC 3339 time in UTC with a ``Z``."""
    return moment.isoformat().replace("+00:00", "Z")


def init_app(app: Flask) -> None:
    """Make the helpers available to every template."""
    from starpunk.web.discovery import discovery_links

    app.jinja_env.globals.update(
        post_contexts=contexts,
        post_photos=photos,
        post_syndications=syndications,
        post_label=post_label,
        discovery_links=discovery_links,
        has_endpoint=lambda name: name in current_app.view_functions,
    )
    app.jinja_env.filters.update(human_date=human_date, iso=iso, host=host)
