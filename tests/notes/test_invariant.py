"""The storage invariant: when either half of a write fails, the other half is undone."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from starpunk.errors import StarPunkError
from starpunk.notes import content_version, create_note, delete_note, get_note, update_note
from starpunk.notes.check import check
from starpunk.notes.files import temp_path
from starpunk.notes.signals import post_saved


@pytest.fixture
def signals() -> Iterator[list[str]]:
    """Actions sent on post_saved during the test."""
    actions: list[str] = []

    def receiver(_note: object, action: str, previous: object) -> None:
        actions.append(action)

    post_saved.connect(receiver)
    yield actions
    post_saved.disconnect(receiver)


def _fail_on(conn: sqlite3.Connection, when: str) -> None:
    conn.execute(f"CREATE TRIGGER fail {when} BEGIN SELECT RAISE(ABORT, 'disk on fire'); END")


def _files(data_path: Path) -> dict[str, bytes]:
    root = data_path / "notes"
    return {
        p.relative_to(data_path).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()
    }


def _assert_clean(conn: sqlite3.Connection, data_path: Path) -> None:
    assert not conn.in_transaction
    assert check(conn, data_path) == []
    assert not [p for p in (data_path / "notes").rglob(".*.tmp")]


@pytest.mark.parametrize(
    "when",
    ["BEFORE INSERT ON notes", "AFTER INSERT ON note_tags", "BEFORE UPDATE ON content_version"],
)
def test_failed_row_on_create_removes_the_file(
    conn: sqlite3.Connection, data_path: Path, signals: list[str], when: str
) -> None:
    create_note(conn, data_path, content="Existing")
    before, version = _files(data_path), content_version(conn)
    _fail_on(conn, when)
    with pytest.raises(sqlite3.IntegrityError, match="disk on fire"):
        create_note(conn, data_path, content="Doomed", tags=["t"])
    assert _files(data_path) == before
    assert get_note(conn, "doomed") is None
    assert content_version(conn) == version
    assert signals == ["create"]
    _assert_clean(conn, data_path)


def test_failed_commit_removes_the_file(conn: sqlite3.Connection, data_path: Path) -> None:
    # A deferred foreign-key violation makes COMMIT itself fail, after every statement succeeded.
    conn.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    conn.execute(
        "CREATE TABLE audit (parent_id INTEGER REFERENCES parent (id)"
        " DEFERRABLE INITIALLY DEFERRED)"
    )
    conn.execute(
        "CREATE TRIGGER audit_notes AFTER INSERT ON notes"
        " BEGIN INSERT INTO audit (parent_id) VALUES (42); END"
    )
    with pytest.raises(sqlite3.IntegrityError):
        create_note(conn, data_path, content="Never committed")
    assert _files(data_path) == {}
    conn.execute("DROP TRIGGER audit_notes")
    create_note(conn, data_path, content="Works again")
    _assert_clean(conn, data_path)


def test_failed_row_on_update_restores_the_file(
    conn: sqlite3.Connection, data_path: Path, signals: list[str]
) -> None:
    note = create_note(conn, data_path, content="Original", tags=["a"])
    before, version = _files(data_path), content_version(conn)
    _fail_on(conn, "BEFORE UPDATE ON notes")
    with pytest.raises(sqlite3.IntegrityError):
        update_note(conn, data_path, note.slug, content="Edited", tags=["b"])
    with pytest.raises(sqlite3.IntegrityError):
        delete_note(conn, data_path, note.slug)
    assert _files(data_path) == before
    assert get_note(conn, note.slug) == note
    assert content_version(conn) == version
    assert signals == ["create"]
    _assert_clean(conn, data_path)


def test_failed_row_when_a_draft_moves_restores_both_paths(
    conn: sqlite3.Connection, data_path: Path
) -> None:
    with time_machine.travel(datetime(2026, 10, 1, tzinfo=UTC), tick=False):
        draft = create_note(conn, data_path, content="Moving draft", status="draft")
    before = _files(data_path)
    _fail_on(conn, "BEFORE UPDATE ON notes")
    with time_machine.travel(datetime(2026, 11, 1, tzinfo=UTC), tick=False):
        with pytest.raises(sqlite3.IntegrityError):
            update_note(conn, data_path, draft.slug, status="published")
        with pytest.raises(sqlite3.IntegrityError):
            update_note(conn, data_path, draft.slug, new_slug="renamed")
    assert _files(data_path) == before
    assert get_note(conn, draft.slug) == draft
    _assert_clean(conn, data_path)


def test_failed_file_on_create_writes_no_row(conn: sqlite3.Connection, data_path: Path) -> None:
    (data_path / "notes").mkdir()
    (data_path / "notes" / "2026").write_text("a file where the year folder should be")
    version = content_version(conn)
    with pytest.raises(OSError):
        create_note(
            conn, data_path, content="Nowhere to go", published=datetime(2026, 3, 1, tzinfo=UTC)
        )
    assert conn.execute("SELECT count(*) FROM notes").fetchone()[0] == 0
    assert content_version(conn) == version
    assert not conn.in_transaction


def test_failed_file_on_update_keeps_the_row(
    conn: sqlite3.Connection, data_path: Path, signals: list[str]
) -> None:
    note = create_note(conn, data_path, content="Original")
    before, version = _files(data_path), content_version(conn)
    blocker = temp_path(data_path / note.path)
    blocker.mkdir()  # the temporary file cannot be created
    with pytest.raises(IsADirectoryError):
        update_note(conn, data_path, note.slug, content="Edited")
    blocker.rmdir()
    assert _files(data_path) == before
    assert get_note(conn, note.slug) == note
    assert content_version(conn) == version
    assert signals == ["create"]
    _assert_clean(conn, data_path)


def test_a_move_never_overwrites_an_unindexed_file(
    conn: sqlite3.Connection, data_path: Path
) -> None:
    with time_machine.travel(datetime(2026, 10, 1, tzinfo=UTC), tick=False):
        draft = create_note(conn, data_path, content="Clash", status="draft")
    stray = data_path / "notes/2026/11/clash.md"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"someone else's words")
    with time_machine.travel(datetime(2026, 11, 1, tzinfo=UTC), tick=False):
        with pytest.raises(StarPunkError) as info:
            update_note(conn, data_path, draft.slug, status="published")
    assert info.value.status == 409
    assert stray.read_bytes() == b"someone else's words"
    assert get_note(conn, draft.slug) == draft
    assert (data_path / draft.path).exists()
