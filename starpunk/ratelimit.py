"""Rate limiting shared by every gunicorn worker, kept in SQLite.

Each counted request is one row (a sliding log) in ``rate_hits``. A check counts the
rows of ``(bucket, key)`` inside the window; at the limit it raises
:class:`~starpunk.errors.RateLimited` with a ``Retry-After`` telling when the oldest
counted request leaves the window. Refused requests are not counted, so a client that
waits as told always gets through. Expired rows are pruned on every check.
"""

from __future__ import annotations

import math
import sqlite3
import time

from starpunk.database import get_db, transaction
from starpunk.errors import RateLimited


def check_rate(
    bucket: str,
    key: str,
    limit: int,
    window_seconds: int,
    *,
    conn: sqlite3.Connection | None = None,
) -> None:
    """Count one request of ``key`` in ``bucket``; raise ``RateLimited`` past ``limit``.

    ``conn`` defaults to the request's connection (:func:`starpunk.database.get_db`).
    """
    db = conn if conn is not None else get_db()
    now = time.time()
    if db.in_transaction:
        retry = _count(db, bucket, key, limit, window_seconds, now)
    else:
        with transaction(db):
            retry = _count(db, bucket, key, limit, window_seconds, now)
    if retry is not None:
        raise RateLimited(
            f"Too many attempts; try again in {retry} seconds.",
            headers={"Retry-After": str(retry)},
        )


def _count(
    db: sqlite3.Connection, bucket: str, key: str, limit: int, window: int, now: float
) -> int | None:
    """Record the hit and return None, or return the seconds to wait when over the limit."""
    db.execute("DELETE FROM rate_hits WHERE expires <= ?", (now,))
    row = db.execute(
        "SELECT COUNT(*), MIN(at) FROM rate_hits WHERE bucket = ? AND key = ? AND at > ?",
        (bucket, key, now - window),
    ).fetchone()
    count, oldest = row[0], row[1]
    if count >= limit:
        return max(1, math.ceil(oldest + window - now))
    db.execute(
        "INSERT INTO rate_hits (bucket, key, at, expires) VALUES (?, ?, ?, ?)",
        (bucket, key, now, now + window),
    )
    return None


def reset_rate(bucket: str, key: str, *, conn: sqlite3.Connection | None = None) -> None:
    """Forget every counted request of ``key`` in ``bucket``."""
    db = conn if conn is not None else get_db()
    db.execute("DELETE FROM rate_hits WHERE bucket = ? AND key = ?", (bucket, key))
