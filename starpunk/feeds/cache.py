"""Each feed is rendered once per content change, per worker.

An entry remembers the content version it was built from. Every request reads the version
(one indexed row), so a write in any gunicorn worker makes every worker rebuild on its next
request; the post-saved hook also empties the writer's own cache at once. The version must
be read *before* the posts: a write in between then only costs one extra rebuild, never a
stale entry under a new version.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime

#: Most feeds one worker keeps (site feeds, OPML and the most recently asked-for tag feeds).
MAX_ENTRIES = 256


@dataclass(frozen=True)
class Rendered:
    """A rendered feed with its validators."""

    body: bytes
    etag: str  # strong, unquoted: a hash of the body
    last_modified: datetime


@dataclass(frozen=True)
class _Entry:
    version: int
    rendered: Rendered


def body_etag(body: bytes) -> str:
    """A strong entity tag for ``body``: equal bytes, equal tag, in every worker."""
    return hashlib.sha256(body).hexdigest()[:32]


class FeedCache:
    """A small LRU of rendered feeds keyed by (kind, format, tag...), checked by version."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries
        self.builds = 0

    def get(
        self,
        key: Hashable,
        version: int,
        last_modified: datetime,
        build: Callable[[], bytes],
    ) -> Rendered:
        """The entry for ``key`` if it was built at ``version``; else ``build()`` and keep it."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.version == version:
                self._entries.move_to_end(key)
                return entry.rendered
        body = build()  # outside the lock: two threads may both build, the result is the same
        rendered = Rendered(body, body_etag(body), last_modified)
        with self._lock:
            self.builds += 1
            self._entries[key] = _Entry(version, rendered)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return rendered

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
