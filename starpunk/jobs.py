"""The durable queue: slow or remote work (WebSub pings, later webmentions) stored as rows.

A request only inserts a row (:func:`enqueue`); a worker (:func:`run_due`, driven by
``starpunk jobs run``) claims due rows, runs the handler registered for their kind and
records the outcome. A failure is retried with exponential backoff until
:data:`MAX_ATTEMPTS`; a claimed row is leased for :data:`LEASE`, so a worker that dies
mid-job leaves it to be picked up again. Claims happen in ``BEGIN IMMEDIATE``, so several
workers never run the same job at once.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask

from starpunk.database import transaction
from starpunk.notes.model import format_time, utc_now

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=6)
LEASE = timedelta(minutes=5)
EXTENSION = "starpunk.jobs"

Handler = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Job:
    """A claimed job."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int


def enqueue(conn: sqlite3.Connection, kind: str, payload: Mapping[str, Any]) -> int:
    """Store a job to run as soon as a worker is free; return its id."""
    with transaction(conn):
        cursor = conn.execute(
            "INSERT INTO jobs (kind, payload, next_try_at) VALUES (?, ?, ?)",
            (kind, json.dumps(dict(payload), sort_keys=True), format_time(utc_now())),
        )
    return int(cursor.lastrowid or 0)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: 30 s doubling, at most 6 hours."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY)


def claim_due(
    conn: sqlite3.Connection, *, limit: int = 20, now: datetime | None = None
) -> list[Job]:
    """Lease up to ``limit`` due jobs to this worker, oldest due first."""
    now = now or utc_now()
    with transaction(conn):
        rows = conn.execute(
            "SELECT id, kind, payload, attempts FROM jobs WHERE done_at IS NULL"
            " AND next_try_at <= ? ORDER BY next_try_at, id LIMIT ?",
            (format_time(now), limit),
        ).fetchall()
        conn.executemany(
            "UPDATE jobs SET next_try_at = ? WHERE id = ?",
            [(format_time(now + LEASE), row[0]) for row in rows],
        )
    return [Job(row[0], row[1], json.loads(row[2]), row[3]) for row in rows]


def run_due(
    conn: sqlite3.Connection,
    handlers: Mapping[str, Handler],
    *,
    limit: int = 20,
    now: datetime | None = None,
) -> int:
    """Run the jobs that are due; return how many ran (whatever their outcome)."""
    jobs = claim_due(conn, limit=limit, now=now)
    for job in jobs:
        handler = handlers.get(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            handler(job.payload)
        except Exception as exc:  # any failure is recorded and retried
            _failed(conn, job, f"{type(exc).__name__}: {exc}", now or utc_now())
        else:
            _finished(conn, job, now or utc_now())
    return len(jobs)


def _finished(conn: sqlite3.Connection, job: Job, now: datetime) -> None:
    with transaction(conn):
        conn.execute(
            "UPDATE jobs SET done_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?",
            (format_time(now), job.id),
        )
    log.info("job done", extra={"job": job.id, "kind": job.kind})


def _failed(conn: sqlite3.Connection, job: Job, error: str, now: datetime) -> None:
    attempts = job.attempts + 1
    gave_up = attempts >= MAX_ATTEMPTS
    with transaction(conn):
        conn.execute(
            "UPDATE jobs SET attempts = ?, last_error = ?, next_try_at = ?, done_at = ?"
            " WHERE id = ?",
            (
                attempts,
                error[:500],
                format_time(now + retry_delay(attempts)),
                format_time(now) if gave_up else None,
                job.id,
            ),
        )
    level = logging.ERROR if gave_up else logging.WARNING
    log.log(
        level,
        "job gave up" if gave_up else "job failed; will retry",
        extra={"job": job.id, "kind": job.kind, "attempts": attempts, "error": error[:200]},
    )


def register_handler(app: Flask, kind: str, handler: Handler) -> None:
    """Let the worker run jobs of ``kind`` with ``handler`` (called in an app context)."""
    app.extensions.setdefault(EXTENSION, {})[kind] = handler


def handlers(app: Flask) -> dict[str, Handler]:
    """Every handler registered on ``app``."""
    return dict(app.extensions.get(EXTENSION, {}))
