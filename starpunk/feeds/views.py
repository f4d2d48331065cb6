"""The feed routes (blueprint ``feeds``): site and per-tag feeds in three formats, and OPML.

``/feed`` and ``/tags/<tag>/feed`` pick a format from ``Accept``; the other routes name it.
Every answer carries a strong ``ETag`` and ``Last-Modified`` and becomes a 304 when the
reader already has it.
"""

from __future__ import annotations

import sqlite3

from flask import Blueprint, current_app, redirect, render_template, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.wrappers import Response

from starpunk.database import get_db
from starpunk.errors import NotFound, StarPunkError
from starpunk.feeds.build import FORMATS, feed_meta, render_feed, tag_url
from starpunk.feeds.cache import FeedCache, Rendered
from starpunk.feeds.items import feed_item
from starpunk.http import absolute_url
from starpunk.notes import all_tags, list_notes
from starpunk.notes.model import Note, normalize_tag
from starpunk.web.caching import conditional, site_stamp
from starpunk.web.entries import photo_media

bp = Blueprint("feeds", __name__)

EXTENSION = "starpunk.feeds"
OPML_CONTENT_TYPE = "text/x-opml; charset=utf-8"
#: Media types a reader may ask for at ``/feed``, in order of preference on a tie.
NEGOTIABLE = (
    ("application/rss+xml", "rss"),
    ("application/atom+xml", "atom"),
    ("application/feed+json", "json"),
    ("application/json", "json"),
    ("application/xml", "rss"),
    ("text/xml", "rss"),
)


def feed_cache() -> FeedCache:
    """This worker's cache of rendered feeds."""
    return current_app.extensions[EXTENSION]


def negotiate(accept: MIMEAccept, header: str | None) -> str | None:
    """The format for an ``Accept`` header: RSS when absent or ``*/*``; None if nothing fits."""
    if not (header or "").strip():
        return "rss"
    best = accept.best_match([mimetype for mimetype, _ in NEGOTIABLE])
    return dict(NEGOTIABLE)[best] if best else None


def feed_url(fmt: str, tag: str | None = None) -> str:
    """The absolute URL of the site's (or a tag's) feed in format ``fmt``."""
    if tag is None:
        return absolute_url(FORMATS[fmt].endpoint)
    return absolute_url(FORMATS[fmt].tag_endpoint, tag=tag)


@bp.get("/feed")
def negotiated() -> Response:
    """The site feed in the format the ``Accept`` header prefers."""
    return _negotiated(None)


@bp.get("/feed.rss")
def rss() -> Response:
    """The site feed as RSS 2.0."""
    return _feed("rss", None, feed_url("rss"))


@bp.get("/feed.xml")
def rss_alias() -> Response:
    """RSS 2.0 at the address the earlier StarPunk used (its ``self`` link is this address)."""
    return _feed("rss", None, absolute_url("feeds.rss_alias"))


@bp.get("/feed.atom")
def atom() -> Response:
    """The site feed as Atom 1.0."""
    return _feed("atom", None, feed_url("atom"))


@bp.get("/feed.json")
def json() -> Response:
    """The site feed as JSON Feed 1.1."""
    return _feed("json", None, feed_url("json"))


@bp.get("/tags/<tag>/feed")
def tag_negotiated(tag: str) -> Response:
    """A tag's feed in the format the ``Accept`` header prefers."""
    return _tag(tag, "feeds.tag_negotiated") or _negotiated(tag)


@bp.get("/tags/<tag>/feed.rss")
def tag_rss(tag: str) -> Response:
    """A tag's feed as RSS 2.0."""
    return _tag(tag, "feeds.tag_rss") or _feed("rss", tag, feed_url("rss", tag))


@bp.get("/tags/<tag>/feed.atom")
def tag_atom(tag: str) -> Response:
    """A tag's feed as Atom 1.0."""
    return _tag(tag, "feeds.tag_atom") or _feed("atom", tag, feed_url("atom", tag))


@bp.get("/tags/<tag>/feed.json")
def tag_json(tag: str) -> Response:
    """A tag's feed as JSON Feed 1.1."""
    return _tag(tag, "feeds.tag_json") or _feed("json", tag, feed_url("json", tag))


@bp.get("/opml.xml")
def opml() -> Response:
    """An OPML list of the site's feeds and every tag's feed, for importing into a reader."""
    conn = get_db()
    stamp = site_stamp(conn)

    def build() -> bytes:
        config = current_app.config
        feeds = [
            {"text": f"{config['SITE_NAME']} ({f.label})", "url": feed_url(key),
             "home": config["SITE_URL"]}
            for key, f in FORMATS.items()
        ]  # fmt: skip
        tags = [
            {"text": f"#{tag} on {config['SITE_NAME']}", "url": feed_url("rss", tag),
             "home": tag_url(tag)}
            for tag, _count in all_tags(conn)
        ]  # fmt: skip
        owner = config["SITE_AUTHOR"] or config["SITE_NAME"]
        body = render_template(
            "feeds/opml.xml", title=f"{config['SITE_NAME']} feeds", owner=owner,
            feeds=feeds, tags=tags,
        )  # fmt: skip
        return body.encode("utf-8")

    rendered = feed_cache().get(("opml",), stamp.version, stamp.changed_at, build)
    return _respond(rendered, OPML_CONTENT_TYPE)


def _negotiated(tag: str | None) -> Response:
    fmt = negotiate(request.accept_mimetypes, request.headers.get("Accept"))
    if fmt is None:
        offers = "; ".join(
            f"{f.label} ({f.mimetype}) at {feed_url(key, tag)}" for key, f in FORMATS.items()
        )
        raise StarPunkError(
            f"This feed is available as {offers}. Ask for one of these types, or */*.",
            error="not_acceptable",
            status=406,
            headers={"Vary": "Accept"},
        )
    url = feed_url(fmt, tag)
    response = _feed(fmt, tag, url, vary=True)
    response.headers["Content-Location"] = url
    return response


def _tag(tag: str, endpoint: str) -> Response | None:
    """A redirect to the tag's canonical spelling, 404 for a tag with no posts, else None."""
    canonical = normalize_tag(tag)
    if not canonical:
        raise NotFound("There is no such tag.")
    if canonical != tag:
        return redirect(absolute_url(endpoint, tag=canonical), code=301)
    found = get_db().execute(
        "SELECT 1 FROM note_tags WHERE tag = ? AND deleted = 0 AND status = 'published' LIMIT 1",
        (tag,),
    ).fetchone()
    if found is None:
        raise NotFound(f"No published post is tagged {tag!r}.")
    return None


def _feed(fmt: str, tag: str | None, self_url: str, *, vary: bool = False) -> Response:
    conn = get_db()
    stamp = site_stamp(conn)  # before the posts: see starpunk.feeds.cache

    def build() -> bytes:
        limit = current_app.config["FEED_MAX_ITEMS"]
        notes = _recent(conn, tag, limit)
        media = photo_media(notes)
        items = [feed_item(note, media) for note in notes]
        return render_feed(fmt, feed_meta(items, self_url=self_url, tag=tag), items)

    key = ("feed", fmt, tag, self_url)
    rendered = feed_cache().get(key, stamp.version, stamp.changed_at, build)
    return _respond(rendered, FORMATS[fmt].content_type, vary=vary, self_url=self_url)


def _recent(conn: sqlite3.Connection, tag: str | None, limit: int) -> list[Note]:
    """The newest ``limit`` published notes (the listing pages at most 200 at a time)."""
    notes: list[Note] = []
    cursor = None
    while len(notes) < limit:
        page = list_notes(conn, tag=tag, limit=min(200, limit - len(notes)), before=cursor)
        notes.extend(page.notes)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    return notes


def _respond(
    rendered: Rendered,
    content_type: str,
    *,
    vary: bool = False,
    self_url: str | None = None,
) -> Response:
    response = current_app.response_class(rendered.body, content_type=content_type)
    max_age = current_app.config["FEED_CACHE_SECONDS"]
    cache_control = f"public, max-age={max_age}" if max_age else "public, no-cache"
    if vary:
        response.vary.add("Accept")
    hub = current_app.config.get("WEBSUB_HUB")
    if hub and self_url:
        response.headers.add("Link", f'<{hub}>; rel="hub"')
        response.headers.add("Link", f'<{self_url}>; rel="self"')
    return conditional(response, rendered.etag, rendered.last_modified, cache_control)

