"""Creating, editing, deleting notes; the content version; the post-saved signal."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine

from starpunk.errors import BadRequest, Gone, NotFound
from starpunk.notes import (
    content_version,
    create_note,
    delete_note,
    get_note,
    list_notes,
    undelete_note,
    update_note,
)
from starpunk.notes.files import NoteFile, content_hash
from starpunk.notes.signals import post_saved


@pytest.fixture
def saved(other_conn: sqlite3.Connection) -> Iterator[list[tuple[str, str, bool]]]:
    """Record (action, slug, visible to another connection) for every post_saved signal."""
    events: list[tuple[str, str, bool]] = []

    def receiver(note: Any, action: str, previous: Any) -> None:
        row = other_conn.execute(
            "SELECT content_hash FROM notes WHERE id = ?", (note.id,)
        ).fetchone()
        events.append((action, note.slug, row is not None and row[0] == note.content_hash))

    post_saved.connect(receiver)
    yield events
    post_saved.disconnect(receiver)


def _file_matches_row(data_path: Path, conn: sqlite3.Connection, slug: str) -> NoteFile:
    note = get_note(conn, slug)
    assert note is not None
    data = (data_path / note.path).read_bytes()
    assert content_hash(data) == note.content_hash
    return NoteFile.from_bytes(data)


def test_create_writes_file_and_row(conn: sqlite3.Connection, data_path: Path) -> None:
    note = create_note(conn, data_path, content="Hello *there*", name="Hi", tags=["A", "b"])
    assert note.id > 0
    assert note.html == "<p>Hello <em>there</em></p>\n"
    assert note.tags == ["a", "b"]
    assert note.is_public and not note.is_draft and not note.is_deleted
    record = _file_matches_row(data_path, conn, note.slug)
    assert (record.content, record.name, record.tags) == ("Hello *there*", "Hi", ["a", "b"])
    assert get_note(conn, note.slug) == note
    assert get_note(conn, "nope") is None
    assert not list((data_path / "notes").rglob(".*.tmp"))


def test_update_rerenders_and_sets_updated(conn: sqlite3.Connection, data_path: Path) -> None:
    with time_machine.travel(datetime(2026, 1, 1, 12, tzinfo=UTC), tick=False):
        note = create_note(conn, data_path, content="First", tags=["x"])
    with time_machine.travel(datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC), tick=False):
        edited = update_note(
            conn, data_path, note.slug, content="**Second**", tags=["y"],
            properties={"syndication": ["https://s.example/1"]},
        )  # fmt: skip
    assert edited.html == "<p><strong>Second</strong></p>\n"
    assert edited.updated == datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert edited.published == note.published
    assert edited.path == note.path
    assert edited.tags == ["y"]
    assert edited.properties == {"syndication": ["https://s.example/1"]}
    assert _file_matches_row(data_path, conn, note.slug).updated == edited.updated
    assert [n.slug for n in list_notes(conn, tag="x").notes] == []
    assert [n.slug for n in list_notes(conn, tag="y").notes] == [note.slug]
    unchanged = update_note(conn, data_path, note.slug)
    assert (unchanged.content, unchanged.tags) == ("**Second**", ["y"])
    cleared = update_note(conn, data_path, note.slug, name="A title", properties={})
    assert (cleared.kind, cleared.properties) == ("article", {})
    assert update_note(conn, data_path, note.slug, name=None).kind == "note"


def test_update_errors(conn: sqlite3.Connection, data_path: Path) -> None:
    note = create_note(conn, data_path, content="x")
    with pytest.raises(NotFound):
        update_note(conn, data_path, "missing", content="y")
    with pytest.raises(BadRequest):
        update_note(conn, data_path, note.slug, status="secret")
    with pytest.raises(BadRequest):
        update_note(conn, data_path, note.slug, content="  ")
    delete_note(conn, data_path, note.slug)
    with pytest.raises(Gone):
        update_note(conn, data_path, note.slug, content="y")


def test_publishing_a_draft_stamps_published(conn: sqlite3.Connection, data_path: Path) -> None:
    with time_machine.travel(datetime(2026, 10, 30, tzinfo=UTC), tick=False):
        draft = create_note(conn, data_path, content="Draft words", status="draft")
    assert draft.is_draft and not draft.was_published
    assert draft.path == "notes/2026/10/draft-words.md"
    with time_machine.travel(datetime(2026, 11, 2, 9, tzinfo=UTC), tick=False):
        live = update_note(conn, data_path, draft.slug, status="published")
    assert live.published == datetime(2026, 11, 2, 9, tzinfo=UTC)
    assert live.updated is None and live.was_published
    assert live.path == "notes/2026/11/draft-words.md"
    assert not (data_path / draft.path).exists()
    _file_matches_row(data_path, conn, live.slug)
    with time_machine.travel(datetime(2026, 12, 1, tzinfo=UTC), tick=False):
        back = update_note(conn, data_path, live.slug, status="draft")
        again = update_note(conn, data_path, live.slug, status="published")
    assert back.is_draft and back.path == live.path
    assert again.published == live.published and again.path == live.path


def test_soft_delete_and_undelete(conn: sqlite3.Connection, data_path: Path) -> None:
    note = create_note(conn, data_path, content="Here today", tags=["t"])
    deleted = delete_note(conn, data_path, note.slug)
    assert deleted.is_deleted and not deleted.is_public
    assert (data_path / note.path).exists()
    assert _file_matches_row(data_path, conn, note.slug).deleted_at == deleted.deleted_at
    assert get_note(conn, note.slug).is_deleted
    assert list_notes(conn).notes == []
    assert list_notes(conn, tag="t").notes == []
    version = content_version(conn)
    assert delete_note(conn, data_path, note.slug) == deleted
    assert content_version(conn) == version
    restored = undelete_note(conn, data_path, note.slug)
    assert restored.deleted_at is None
    assert _file_matches_row(data_path, conn, note.slug).deleted_at is None
    assert [n.slug for n in list_notes(conn, tag="t").notes] == [note.slug]
    assert undelete_note(conn, data_path, note.slug) == restored
    with pytest.raises(NotFound):
        delete_note(conn, data_path, "missing")
    with pytest.raises(NotFound):
        undelete_note(conn, data_path, "missing")


def test_every_write_bumps_the_content_version(
    conn: sqlite3.Connection, other_conn: sqlite3.Connection, data_path: Path
) -> None:
    versions = [content_version(other_conn)]
    note = create_note(conn, data_path, content="v")
    versions.append(content_version(other_conn))
    update_note(conn, data_path, note.slug, content="w")
    versions.append(content_version(other_conn))
    delete_note(conn, data_path, note.slug)
    versions.append(content_version(other_conn))
    undelete_note(conn, data_path, note.slug)
    versions.append(content_version(other_conn))
    assert versions == sorted(set(versions))
    with pytest.raises(BadRequest):
        create_note(conn, data_path, content="x", slug="Bad Slug")
    assert content_version(other_conn) == versions[-1]


def test_post_saved_fires_after_commit(
    conn: sqlite3.Connection, data_path: Path, saved: list[tuple[str, str, bool]]
) -> None:
    note = create_note(conn, data_path, content="Signal")
    update_note(conn, data_path, note.slug, content="Signal 2")
    delete_note(conn, data_path, note.slug)
    delete_note(conn, data_path, note.slug)
    undelete_note(conn, data_path, note.slug)
    with pytest.raises(BadRequest):
        create_note(conn, data_path, content="")
    assert saved == [
        ("create", "signal", True),
        ("update", "signal", True),
        ("delete", "signal", True),
        ("undelete", "signal", True),
    ]


def test_no_receivers_at_import(tmp_path: Path) -> None:
    """Importing any module connects nothing; apps connect their receivers in ``init_app``.

    Checked in a fresh interpreter: in this one, apps built by earlier tests are connected.
    """
    script = (
        "import importlib, pkgutil, starpunk\n"
        "for m in pkgutil.walk_packages(starpunk.__path__, 'starpunk.'):\n"
        "    importlib.import_module(m.name)\n"
        "from starpunk.notes.signals import post_saved\n"
        "print(len(post_saved.receivers))\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}, check=True,
    )  # fmt: skip
    assert result.stdout.strip() == "0"


def test_a_post_may_be_only_properties_but_not_only_commands(
    conn: sqlite3.Connection, data_path: Path
) -> None:
    measure = {"type": ["h-measure"], "properties": {"num": ["70.64"], "unit": ["kg"]}}
    note = create_note(conn, data_path, content="", properties={"x-weight": [measure]})
    assert note.properties["x-weight"] == [measure]
    with pytest.raises(BadRequest):
        create_note(conn, data_path, content="", properties={"mp-syndicate-to": ["https://x/"]})
