"""Public pages: an in-process page cache invalidated by content changes, and HTTP caching.

Every write to the notes bumps one counter row (``content_version``), so a worker knows its
cached pages are stale with one primary-key read, whichever worker made the change. A page
is cached under ``(version, path and page parameters)``; a cache hit costs that single query.

Every public response carries a strong ``ETag`` (a hash of the body), ``Last-Modified``
(when the content last changed) and a ``Cache-Control`` a reverse proxy may follow;
conditional requests get 304 without a body.
"""

from __future__ import annotations

import functools
import hashlib
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from flask import Response, current_app, request
from werkzeug.http import http_date

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
    return SiteStamp(int(version), _parse_changed_at(changed_at))


@functools.lru_cache(maxsize=8)
def _parse_changed_at(text: str) -> datetime:
    return parse_time(text)


@dataclass(frozen=True)
class Page:
    """A rendered page body and its strong ETag."""

    body: bytes
    etag: str

    @classmethod
    def of(cls, body: bytes) -> Page:
        """The page for ``body``; its ETag is a hash of the bytes."""
        return cls(body, hashlib.sha256(body).hexdigest()[:32])


class PageCache:
    """A bounded, thread-safe LRU of rendered pages keyed by ``(version, path)``."""

    def __init__(self, max_pages: int = MAX_PAGES) -> None:
        self._pages: OrderedDict[tuple[int, str], Page] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_pages
        self.hits = self.misses = 0

    def get(self, key: tuple[int, str]) -> Page | None:
        """The cached page for ``key``, if any."""
        with self._lock:
            body = self._pages.get(key)
            if body is None:
                self.misses += 1
                return None
            self.hits += 1
            self._pages.move_to_end(key)
            return body

    def put(self, key: tuple[int, str], body: Page) -> None:
        """Store a page; pages of older versions are dropped first."""
        with self._lock:
            stale = [k for k in self._pages if k[0] != key[0]]
            for old in stale:
                del self._pages[old]
            self._pages[key] = body
            while len(self._pages) > self._max:
                self._pages.popitem(last=False)


#: The query parameters public pages read; any other parameter cannot change a page.
PAGE_PARAMETERS = ("after", "before", "page", "q")


def _page_key() -> str:
    """The path and the page parameters, so junk query strings share one cache entry."""
    args = request.args
    query = urlencode([(name, args[name]) for name in PAGE_PARAMETERS if name in args])
    return f"{request.path}?{query}"


def page_cache() -> PageCache:
    """This app's page cache (one per worker process)."""
    return current_app.extensions.setdefault("starpunk.page_cache", PageCache())


@dataclass(frozen=True)
class PrivatePage:
    """What a render function returns for a page only the owner may see (never cached)."""

    html: str


def html_page(render: Callable[[], str | PrivatePage], *, private: bool = False,
              status: int = 200) -> Response:
    """Answer with the page ``render`` produces, from the cache when it is fresh.

    ``private`` requests (and renders that return a :class:`PrivatePage`) bypass the cache
    and are marked ``no-store``; so are error statuses.
    """
    stamp = site_stamp(get_db())
    cacheable = not private and status == 200
    key = (stamp.version, _page_key())
    page = page_cache().get(key) if cacheable else None
    if page is None:
        rendered = render()
        if isinstance(rendered, PrivatePage):
            cacheable, rendered = False, rendered.html
        page = Page.of(rendered.encode())
        if cacheable:
            page_cache().put(key, page)
    response = Response(page.body, status=status, mimetype="text/html")
    response.headers["Link"] = link_header()
    if not cacheable:
        response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
        return response
    return conditional(response, page.etag, stamp.changed_at)


def conditional(response: Response, etag: str, last_modified: datetime,
                cache_control: str = PUBLIC_CACHE_CONTROL) -> Response:
    """Add ETag, Last-Modified and Cache-Control; a matching conditional request gets a 304.

    ``If-None-Match`` decides when present (weak comparison, as for GET); otherwise
    ``If-Modified-Since`` does. A 304 keeps the validators and drops the body. Pages and
    feeds both answer through this.
    """
    headers = response.headers
    headers["ETag"] = f'"{etag}"'
    headers["Last-Modified"] = _http_date(last_modified)
    headers["Cache-Control"] = cache_control
    if "If-None-Match" in request.headers:
        unchanged = request.if_none_match.contains_weak(etag)
    else:
        since = request.if_modified_since
        unchanged = since is not None and last_modified <= since
    if unchanged:
        response.status_code = 304
        response.set_data(b"")
        del headers["Content-Length"]
        del headers["Content-Type"]
    return response


@functools.lru_cache(maxsize=8)
def _http_date(moment: datetime) -> str:
    return http_date(moment)
