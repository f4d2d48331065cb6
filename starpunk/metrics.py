"""``GET /metrics``: Prometheus text for the operator, answered only to loopback clients.

Counters are per worker process (each gunicorn worker answers for itself, labelled with its
``pid``); the content gauges (posts, jobs, media) come from the database and are the same
in every worker. Behind a reverse proxy the real client address is used (``TRUSTED_PROXIES``),
so the public never sees this page; scrape it on the server itself.
"""

from __future__ import annotations

import ipaddress
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator

from flask import Blueprint, Flask, Response, current_app, g, request

from starpunk import __version__
from starpunk.database import get_db, get_pool
from starpunk.errors import NotFound

bp = Blueprint("metrics", __name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_EXTENSION = "starpunk.metrics"


class RequestStats:
    """Requests answered by this worker: count per status code and total seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.by_status: Counter[int] = Counter()
        self.seconds = 0.0

    def record(self, status: int, seconds: float) -> None:
        """Count one answered request."""
        with self._lock:
            self.by_status[status] += 1
            self.seconds += seconds


def _stats() -> RequestStats:
    return current_app.extensions[_EXTENSION]


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _count(response: Response) -> Response:
    started = g.get("metrics_started")
    if started is not None:
        _stats().record(response.status_code, time.perf_counter() - started)
    return response


def _loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _lines() -> Iterator[str]:
    pid = f'pid="{os.getpid()}"'
    yield "# HELP starpunk_info The running version."
    yield "# TYPE starpunk_info gauge"
    yield f'starpunk_info{{version="{__version__}"}} 1'
    stats = _stats()
    yield "# HELP starpunk_http_requests_total Requests answered by this worker, by status."
    yield "# TYPE starpunk_http_requests_total counter"
    for status, count in sorted(stats.by_status.items()):
        yield f'starpunk_http_requests_total{{{pid},code="{status}"}} {count}'
    yield "# HELP starpunk_http_request_seconds_total Time spent answering requests."
    yield "# TYPE starpunk_http_request_seconds_total counter"
    yield f"starpunk_http_request_seconds_total{{{pid}}} {stats.seconds:.6f}"
    yield "# HELP starpunk_db_pool Connection pool counters of this worker."
    yield "# TYPE starpunk_db_pool gauge"
    for name, value in get_pool().stats().items():
        yield f'starpunk_db_pool{{{pid},stat="{name}"}} {value}'
    cache = current_app.extensions.get("starpunk.page_cache")
    if cache is not None:
        yield "# HELP starpunk_page_cache_total Public page cache lookups of this worker."
        yield "# TYPE starpunk_page_cache_total counter"
        yield f'starpunk_page_cache_total{{{pid},result="hit"}} {cache.hits}'
        yield f'starpunk_page_cache_total{{{pid},result="miss"}} {cache.misses}'
    yield from _content_lines()


def _content_lines() -> Iterator[str]:
    conn = get_db()
    yield "# HELP starpunk_posts Posts by state."
    yield "# TYPE starpunk_posts gauge"
    for state, count in conn.execute(
        "SELECT CASE WHEN deleted_at IS NOT NULL THEN 'deleted' ELSE status END, count(*)"
        " FROM notes GROUP BY 1 ORDER BY 1"
    ):
        yield f'starpunk_posts{{state="{state}"}} {count}'
    yield "# HELP starpunk_jobs Background jobs by state."
    yield "# TYPE starpunk_jobs gauge"
    for state, count in conn.execute(
        "SELECT CASE WHEN done_at IS NOT NULL THEN 'done' WHEN last_error IS NOT NULL"
        " THEN 'retrying' ELSE 'pending' END, count(*) FROM jobs GROUP BY 1 ORDER BY 1"
    ):
        yield f'starpunk_jobs{{state="{state}"}} {count}'
    files, size = conn.execute("SELECT count(*), coalesce(sum(size), 0) FROM media").fetchone()
    yield "# HELP starpunk_media_files Stored images (originals)."
    yield "# TYPE starpunk_media_files gauge"
    yield f"starpunk_media_files {files}"
    yield "# HELP starpunk_media_bytes Bytes of the stored originals."
    yield "# TYPE starpunk_media_bytes gauge"
    yield f"starpunk_media_bytes {size}"


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus text exposition; 404 for anyone but a loopback client."""
    if not _loopback(request.remote_addr):
        raise NotFound("Not found.")
    response = Response("\n".join(_lines()) + "\n", content_type=CONTENT_TYPE)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Count every request and register ``/metrics``."""
    app.extensions[_EXTENSION] = RequestStats()
    app.before_request(_start_timer)
    app.after_request(_count)
    app.register_blueprint(bp)
