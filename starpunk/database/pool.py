"""A bounded SQLite connection pool.

Every connection is opened in autocommit mode (``isolation_level=None``) with WAL,
``busy_timeout`` and ``foreign_keys=ON``; writers open their own transaction with
:func:`starpunk.database.transaction` (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from starpunk.errors import ServiceUnavailable


def connect(path: str | Path, timeout: float = 10.0) -> sqlite3.Connection:
    """Open one configured connection to the database file at ``path``."""
    conn = sqlite3.connect(
        str(path),
        timeout=timeout,
        isolation_level=None,
        check_same_thread=False,
    )
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


@dataclass
class PoolStats:
    """Counters describing how the pool has been used."""

    created: int = 0
    reused: int = 0
    closed: int = 0
    hits: int = 0
    misses: int = 0
    timeouts: int = 0
    in_use: int = 0
    idle: int = 0
    size: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counters as a plain dict (for /health and metrics)."""
        return dict(self.__dict__)


@dataclass
class ConnectionPool:
    """At most ``size`` connections; ``acquire`` waits up to ``timeout`` seconds."""

    path: Path
    size: int = 5
    timeout: float = 10.0
    on_connect: list[Callable[[sqlite3.Connection], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._idle: list[sqlite3.Connection] = []
        self._in_use = 0
        self._cond = threading.Condition()
        self._stats = PoolStats(size=self.size)
        self._closed = False

    def acquire(self) -> sqlite3.Connection:
        """Take a connection, creating one while under ``size``; 503 when none frees up in time."""
        deadline = time.monotonic() + self.timeout
        with self._cond:
            while True:
                if self._closed:
                    raise ServiceUnavailable("The database is shutting down.")
                if self._idle:
                    conn = self._idle.pop()
                    self._stats.hits += 1
                    self._stats.reused += 1
                    break
                if self._in_use < self.size:
                    self._stats.misses += 1
                    conn = self._open()
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._stats.timeouts += 1
                    raise ServiceUnavailable(
                        "The server is busy: no database connection became free in time."
                    )
                self._cond.wait(remaining)
            self._in_use += 1
            return conn

    def release(self, conn: sqlite3.Connection) -> None:
        """Give a connection back; an open transaction is rolled back first."""
        if conn.in_transaction:
            conn.rollback()
        with self._cond:
            self._in_use -= 1
            if self._closed:
                conn.close()
                self._stats.closed += 1
            else:
                self._idle.append(conn)
            self._cond.notify()

    def close(self) -> None:
        """Close every idle connection; connections in use close when released."""
        with self._cond:
            self._closed = True
            while self._idle:
                self._idle.pop().close()
                self._stats.closed += 1
            self._cond.notify_all()

    def stats(self) -> dict[str, int]:
        """A snapshot of the pool counters."""
        with self._cond:
            self._stats.in_use = self._in_use
            self._stats.idle = len(self._idle)
            return self._stats.as_dict()

    def _open(self) -> sqlite3.Connection:
        conn = connect(self.path, self.timeout)
        for hook in self.on_connect:
            hook(conn)
        self._stats.created += 1
        return conn
