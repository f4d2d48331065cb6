"""Database access: the per-process pool, ``get_db`` for requests, transactions, migrations."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, g

from starpunk.database.migrations import migrate
from starpunk.database.pool import ConnectionPool, connect

__all__ = ["connect", "get_db", "get_pool", "init_app", "migrate", "transaction", "db_path"]

EXTENSION = "starpunk.db"


def db_path(data_path: Path) -> Path:
    """Where the SQLite file lives under ``DATA_PATH``."""
    return data_path / "starpunk.db"


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run a write as one ``BEGIN IMMEDIATE`` transaction; roll back on any exception."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def get_pool(app: Flask | None = None) -> ConnectionPool:
    """The application's connection pool."""
    return (app or current_app).extensions[EXTENSION]


def get_db() -> sqlite3.Connection:
    """The request's connection, taken from the pool on first use and returned at teardown."""
    if "db" not in g:
        g.db = get_pool().acquire()
    return g.db


def _release(_exc: BaseException | None = None) -> None:
    conn = g.pop("db", None)
    if conn is not None:
        get_pool().release(conn)


def init_app(app: Flask) -> None:
    """Migrate the database (once across workers) and attach the pool to ``app``."""
    data_path: Path = app.config["DATA_PATH"]
    path = db_path(data_path)
    conn = connect(path, app.config["DB_TIMEOUT"])
    try:
        migrate(conn, data_path / ".migrate.lock")
    finally:
        conn.close()
    app.extensions[EXTENSION] = ConnectionPool(
        path, app.config["DB_POOL_SIZE"], app.config["DB_TIMEOUT"]
    )
    app.teardown_appcontext(_release)
