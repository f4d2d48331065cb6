"""Public pages: an in-process page cache invalidated by content changes, and HTTP caching.

Every write to the notes bumps one counter row (``content_version``), so a worker knows its
cached pages are stale with one primary-key read, whichever worker made the change. A page
is cached under ``(version, path and query)``; a cache hit costs that single query.

Every public response carries a strong ``ETag`` (a hash of the body), ``Last-Modified``
(when the content last changed) and a ``Cache-Control`` a reverse proxy may follow;
conditional requests get 304 without a body.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import Response, current_app, request

from starpunk.database import get_db
from starpunk.notes.model import parse_time
from starpunk.web.discovery import link_header

#: Reverse proxies and browsers may reuse a page for a minute, then must revalidate.
PUBLIC_CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=30"
#: Pages only the owner sees (drafts) are never stored anywhere.
PRIVATE_CACHE_CONTROL = "private, no-store"
MAX_PAGES = 512


@dataclass(frozen=True)
class SiteStamp:
    """The content version and the time the content last changed."""

    version: int
    changed_at: datetime


def site_stamp(conn: sqlite3.Connection) -> SiteStamp:
    """The current :class:`SiteStamp` (one primary-key read)."""
    version, changed_at = conn.execute(
        "SELECT version, changed_at FROM content_version WHERE id = 1"
    ).fetchone()
    return SiteStamp(int(version), parse_time(changed_at))


class PageCache:
    """A bounded, thread-safe LRU of rendered pages keyed by ``(version, path)``."""

    def __init__(self, max_pages: int = MAX_PAGES) -> None:
        self._pages: OrderedDict[tuple[int, str], bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_pages
        self.hits = self.misses = 0

    def get(self, key: tuple[int, str]) -> bytes | None:
        """The cached body for ``key``, if any."""
        with self._lock:
            body = self._pages.get(key)
            if body is None:
                self.misses += 1
                return None
            self.hits += 1
            self._pages.move_to_end(key)
            return body

    def put(self, key: tuple[int, str], body: bytes) -> None:
        """Store ``body``; pages of older versions are dropped first."""
        with self._lock:
            stale = [k for k in self._pages if k[0] != key[0]]
            for old in stale:
                del self._pages[old]
            self._pages[key] = body
            while len(self._pages) > self._max:
                self._pages.popitem(last=False)


def page_cache() -> PageCache:
    """This app's page cache (one per worker process)."""
    return current_app.extensions.setdefault("starpunk.page_cache", PageCache())


def html_page(render: Callable[[], str], *, private: bool = False, status: int = 200) -> Response:
    """Answer with the page ``render`` produces, from the cache when it is fresh.

    ``private`` pages (what only the owner may see) bypass the cache and are marked
    ``no-store``; so are error statuses.
    """
    stamp = site_stamp(get_db())
    cacheable = not private and status == 200
    key = (stamp.version, request.full_path)
    body = page_cache().get(key) if cacheable else None
    if body is None:
        body = render().encode()
        if cacheable:
            page_cache().put(key, body)
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Link"] = link_header()
    return conditional(response, stamp, private=not cacheable)


def conditional(response: Response, stamp: SiteStamp, *, private: bool = False) -> Response:
    """Add ETag, Last-Modified and Cache-Control; turn a matching request into a 304."""
    if private:
        response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
        return response
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    response.last_modified = stamp.changed_at
    response.headers["Cache-Control"] = PUBLIC_CACHE_CONTROL
    return response.make_conditional(request)
