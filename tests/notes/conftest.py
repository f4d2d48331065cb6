"""Fixtures for the notes package: a migrated SQLite file and a data directory in tmp_path."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from starpunk.database import connect, migrate


@pytest.fixture
def data_path(tmp_path: Path) -> Path:
    """``DATA_PATH`` for the test: files go under ``tmp_path/notes``."""
    return tmp_path


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """A migrated database connection, closed after the test."""
    connection = connect(tmp_path / "db.sqlite")
    migrate(connection, tmp_path / ".lock")
    yield connection
    connection.close()


@pytest.fixture
def other_conn(tmp_path: Path, conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A second connection to the same database (another worker's view)."""
    connection = connect(tmp_path / "db.sqlite")
    yield connection
    connection.close()
