"""Numbered ``.sql`` migrations, applied once each, safe under concurrent start-up.

Several gunicorn workers may start on a fresh database at the same moment. An
exclusive file lock next to the database lets exactly one of them migrate; the
others wait for the lock, then find nothing left to do. Each migration runs in its
own ``BEGIN IMMEDIATE`` transaction together with its row in ``schema_migrations``,
so a failing migration leaves no trace and stops start-up.
"""

from __future__ import annotations

import fcntl
import logging
import re
import sqlite3
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from starpunk.errors import StartupError

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    """One numbered migration file."""

    number: int
    name: str
    sql: str


def available_migrations(directory: Path | None = None) -> list[Migration]:
    """Every migration in ``directory`` (default: the package's own), in order."""
    found = []
    folder = directory or resources.files("starpunk.database").joinpath("migrations")
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text("utf-8")))
    found.sort(key=lambda m: m.number)
    numbers = [m.number for m in found]
    if len(set(numbers)) != len(numbers):
        raise StartupError(f"Duplicate migration numbers: {numbers}")
    return found


def split_statements(sql: str) -> list[str]:
    """Split a script into complete statements (triggers with ``BEGIN … END`` stay whole)."""
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not buffer.strip().startswith("--"):
        statements.append(buffer.strip())
    return statements


def _applied(conn: sqlite3.Connection) -> set[int]:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " number INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')))"
    )
    return {row[0] for row in conn.execute("SELECT number FROM schema_migrations")}


def migrate(
    conn: sqlite3.Connection, lock_path: Path, directory: Path | None = None
) -> list[Migration]:
    """Apply every pending migration; return the ones this call applied."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return _migrate_locked(conn, available_migrations(directory))
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _migrate_locked(conn: sqlite3.Connection, migrations: list[Migration]) -> list[Migration]:
    done = _applied(conn)
    applied = []
    for migration in migrations:
        if migration.number in done:
            continue
        label = f"{migration.number:03d}_{migration.name}"
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in split_statements(migration.sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (number, name) VALUES (?, ?)",
                (migration.number, migration.name),
            )
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK")
            raise StartupError(f"Migration {label} failed and was rolled back: {exc}") from exc
        log.info("migration applied", extra={"migration": label})
        applied.append(migration)
    if not applied:
        log.debug("database schema up to date")
    return applied
