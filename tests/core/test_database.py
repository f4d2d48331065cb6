"""The pool, the per-connection settings, transactions and migrations."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from flask import Flask

from starpunk.database import connect, get_db, get_pool, migrate, transaction
from starpunk.database.migrations import available_migrations, split_statements
from starpunk.database.pool import ConnectionPool
from starpunk.errors import ServiceUnavailable, StartupError


@pytest.fixture
def pool(tmp_path: Path):
    pool = ConnectionPool(tmp_path / "db.sqlite", size=2, timeout=0.2)
    yield pool
    pool.close()


def test_every_connection_is_configured(pool: ConnectionPool) -> None:
    conn = pool.acquire()
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 200
    finally:
        pool.release(conn)


def test_pool_reuses_and_counts(pool: ConnectionPool) -> None:
    first = pool.acquire()
    pool.release(first)
    again = pool.acquire()
    assert again is first
    pool.release(again)
    stats = pool.stats()
    assert stats["created"] == 1 and stats["reused"] == 1
    assert stats["hits"] == 1 and stats["misses"] == 1 and stats["in_use"] == 0


def test_pool_never_grows_past_its_size_and_times_out(pool: ConnectionPool) -> None:
    held = [pool.acquire(), pool.acquire()]
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable):
        pool.acquire()
    assert time.monotonic() - started >= 0.2
    assert pool.stats()["created"] == 2 and pool.stats()["timeouts"] == 1
    for conn in held:
        pool.release(conn)


def test_waiting_acquire_gets_a_released_connection(tmp_path: Path) -> None:
    pool = ConnectionPool(tmp_path / "db.sqlite", size=1, timeout=5)
    held = pool.acquire()
    got: list[sqlite3.Connection] = []
    waiter = threading.Thread(target=lambda: got.append(pool.acquire()))
    waiter.start()
    time.sleep(0.1)
    pool.release(held)
    waiter.join(2)
    assert got == [held]
    pool.release(got[0])
    pool.close()
    assert pool.stats()["closed"] == 1


def test_release_rolls_back_an_open_transaction(pool: ConnectionPool) -> None:
    conn = pool.acquire()
    conn.execute("CREATE TABLE t (x)")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO t VALUES (1)")
    pool.release(conn)
    conn = pool.acquire()
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    pool.release(conn)


def test_transaction_commits_or_rolls_back(tmp_path: Path) -> None:
    conn = connect(tmp_path / "db.sqlite")
    conn.execute("CREATE TABLE t (x)")
    with transaction(conn):
        conn.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(RuntimeError), transaction(conn):
        conn.execute("INSERT INTO t VALUES (2)")
        raise RuntimeError("boom")
    assert [r[0] for r in conn.execute("SELECT x FROM t")] == [1]
    conn.close()


def test_exhausted_pool_answers_a_clean_503(app_factory) -> None:
    app: Flask = app_factory(DB_POOL_SIZE=1, DB_TIMEOUT=0.1)

    @app.get("/api/needs-db")
    def needs_db() -> str:
        return str(get_db().execute("SELECT 1").fetchone()[0])

    held = get_pool(app).acquire()
    try:
        response = app.test_client().get("/api/needs-db")
    finally:
        get_pool(app).release(held)
    assert response.status_code == 503
    assert response.json["error"] == "temporarily_unavailable"
    assert app.test_client().get("/api/needs-db").data == b"1"


def test_request_connection_goes_back_at_teardown(app: Flask) -> None:
    client = app.test_client()
    for _ in range(20):
        assert client.get("/health").status_code == 200
    stats = get_pool(app).stats()
    assert stats["in_use"] == 0 and stats["created"] == 1


def test_split_keeps_triggers_whole() -> None:
    sql = """
    -- a comment
    CREATE TABLE a (x);
    CREATE TRIGGER t AFTER INSERT ON a BEGIN
        UPDATE a SET x = 1; UPDATE a SET x = 2;
    END;
    CREATE INDEX i ON a (x);
    """
    statements = split_statements(sql)
    assert len(statements) == 3
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")


def test_migrations_apply_once_and_are_recorded(tmp_path: Path) -> None:
    conn = connect(tmp_path / "db.sqlite")
    applied = migrate(conn, tmp_path / ".lock")
    assert [m.number for m in applied] == [m.number for m in available_migrations()]
    assert migrate(conn, tmp_path / ".lock") == []
    rows = conn.execute("SELECT number FROM schema_migrations ORDER BY number").fetchall()
    assert [r[0] for r in rows] == [m.number for m in applied]
    conn.close()


def test_failing_migration_rolls_back_and_stops(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_good.sql").write_text("CREATE TABLE good (x);\n")
    (folder / "002_bad.sql").write_text(
        "CREATE TABLE half (x);\nINSERT INTO half VALUES (1);\nINSERT INTO nowhere VALUES (1);\n"
    )
    conn = connect(tmp_path / "db.sqlite")
    with pytest.raises(StartupError) as caught:
        migrate(conn, tmp_path / ".lock", folder)
    assert str(caught.value) == (
        "Migration 002_bad failed and was rolled back: no such table: nowhere"
    )
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "good" in tables and "half" not in tables
    assert [r[0] for r in conn.execute("SELECT number FROM schema_migrations")] == [1]
    conn.close()


def test_failing_migration_stops_the_cli_with_a_clear_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from starpunk.cli import cli

    data = tmp_path / "data"
    data.mkdir()
    conn = connect(data / "starpunk.db")
    conn.execute("CREATE TABLE jobs (id INTEGER PRIMARY KEY)")  # collides with 001_core
    conn.close()
    result = CliRunner().invoke(cli, ["init"], env={"DATA_PATH": str(data)})
    assert result.exit_code == 2
    assert result.output.strip().startswith(
        "starpunk: Migration 001_core failed and was rolled back: table jobs already exists"
    )
