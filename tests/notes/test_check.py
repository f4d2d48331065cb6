"""check / repair / reindex for every kind of damage, including a crash mid-write."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from starpunk.notes import all_tags, content_version, create_note, get_note, list_all
from starpunk.notes.check import Problem, ProblemKind, check, reindex, repair
from starpunk.notes.files import NoteFile, NoteFileError, content_hash
from starpunk.notes.search import search_notes

WHEN = datetime(2026, 11, 24, 18, 55, 1, tzinfo=UTC)


def _kinds(problems: list[Problem]) -> list[tuple[ProblemKind, str]]:
    return [(problem.kind, problem.path) for problem in problems]


def _assert_consistent(conn: sqlite3.Connection, data_path: Path) -> None:
    assert check(conn, data_path) == []
    for note in list_all(conn, limit=200).notes:
        assert content_hash((data_path / note.path).read_bytes()) == note.content_hash


def test_a_healthy_store_has_no_problems(conn: sqlite3.Connection, data_path: Path) -> None:
    create_note(conn, data_path, content="One")
    create_note(conn, data_path, content="Two", status="draft")
    (data_path / "notes" / "README.txt").write_text("not a note")
    assert check(conn, data_path) == []
    assert repair(conn, data_path, []) == []


def test_missing_file_is_written_back_from_the_row(
    conn: sqlite3.Connection, data_path: Path
) -> None:
    note = create_note(conn, data_path, content="Keep me", tags=["t"], properties={"x-a": [1]})
    original = (data_path / note.path).read_bytes()
    (data_path / note.path).unlink()
    problems = check(conn, data_path)
    assert _kinds(problems) == [(ProblemKind.MISSING_FILE, note.path)]
    assert str(problems[0]) == f"missing-file: {note.path}"
    version = content_version(conn)
    assert repair(conn, data_path, problems) == [f"re-wrote {note.path} from the index"]
    assert (data_path / note.path).read_bytes() == original
    assert content_version(conn) > version
    _assert_consistent(conn, data_path)


def test_edited_file_wins_over_the_row(conn: sqlite3.Connection, data_path: Path) -> None:
    note = create_note(conn, data_path, content="Old text", tags=["old"])
    file = data_path / note.path
    file.write_bytes(
        file.read_bytes().replace(b"Old text", b"*New* text").replace(b'"old"', b'"new"')
    )
    problems = check(conn, data_path)
    assert _kinds(problems) == [(ProblemKind.HASH_MISMATCH, note.path)]
    assert repair(conn, data_path, problems) == [
        f"re-read {note.path} into the index (the file wins)"
    ]
    fixed = get_note(conn, note.slug)
    assert fixed is not None and fixed.id == note.id
    assert (fixed.content, fixed.html, fixed.tags) == (
        "*New* text",
        "<p><em>New</em> text</p>\n",
        ["new"],
    )
    assert all_tags(conn) == [("new", 1)]
    assert [n.slug for n, _ in search_notes(conn, "new text").items] == [note.slug]
    _assert_consistent(conn, data_path)


def test_orphan_file_is_indexed(conn: sqlite3.Connection, data_path: Path) -> None:
    record = NoteFile(
        slug="restored", status="published", published=WHEN, content="From a backup",
        tags=["b"], was_published=True, properties={"syndication": ["https://s.example/1"]},
    )  # fmt: skip
    path = data_path / record.relpath
    path.parent.mkdir(parents=True)
    path.write_bytes(record.to_bytes())
    problems = check(conn, data_path)
    assert problems == [Problem(ProblemKind.ORPHAN_FILE, record.relpath, "restored")]
    assert repair(conn, data_path, problems) == [f"re-indexed {record.relpath}"]
    note = get_note(conn, "restored")
    assert note is not None and note.properties == record.properties
    _assert_consistent(conn, data_path)


def test_orphan_with_a_taken_slug_is_left_alone(conn: sqlite3.Connection, data_path: Path) -> None:
    note = create_note(conn, data_path, content="Twin", published=WHEN)
    copy = data_path / "notes/2020/01/twin.md"
    copy.parent.mkdir(parents=True)
    copy.write_bytes((data_path / note.path).read_bytes())
    problems = check(conn, data_path)
    assert _kinds(problems) == [(ProblemKind.ORPHAN_FILE, "notes/2020/01/twin.md")]
    (action,) = repair(conn, data_path, problems)
    assert action.startswith("could not repair notes/2020/01/twin.md") and "belongs to" in action
    assert copy.exists()
    assert get_note(conn, "twin").path == note.path


def test_unparseable_orphan_is_quarantined(conn: sqlite3.Connection, data_path: Path) -> None:
    junk = data_path / "notes/2026/11/junk.md"
    junk.parent.mkdir(parents=True)
    junk.write_bytes(b"just some text, no front matter")
    problems = check(conn, data_path)
    assert _kinds(problems) == [(ProblemKind.UNPARSEABLE, "notes/2026/11/junk.md")]
    assert problems[0].slug is None and "opening" in problems[0].detail
    (action,) = repair(conn, data_path, problems)
    assert action.startswith("moved notes/2026/11/junk.md to notes/.quarantine/")
    assert not junk.exists()
    (kept,) = (data_path / "notes/.quarantine").iterdir()
    assert kept.read_bytes() == b"just some text, no front matter"
    assert check(conn, data_path) == []


def test_corrupted_indexed_file_is_quarantined_and_rewritten(
    conn: sqlite3.Connection, data_path: Path
) -> None:
    note = create_note(conn, data_path, content="Precious words")
    file = data_path / note.path
    original = file.read_bytes()
    file.write_bytes(b"---\nslug: broken\n" + original)
    problems = check(conn, data_path)
    assert _kinds(problems) == [(ProblemKind.UNPARSEABLE, note.path)]
    assert problems[0].slug == note.slug
    (action,) = repair(conn, data_path, problems)
    assert "notes/.quarantine/" in action and action.endswith(
        f"re-wrote {note.path} from the index"
    )
    assert file.read_bytes() == original
    (kept,) = (data_path / "notes/.quarantine").iterdir()
    assert kept.read_bytes().startswith(b"---\nslug: broken\n")
    _assert_consistent(conn, data_path)


def test_crash_between_rename_and_row_is_found_and_repaired(
    conn: sqlite3.Connection, data_path: Path
) -> None:
    create_note(conn, data_path, content="Before the crash")
    # A real process dies (os._exit, no cleanup) just as it inserts the row, after the rename.
    script = textwrap.dedent(
        """
        import os, sys
        from pathlib import Path
        from starpunk.database import connect
        from starpunk.notes import create_note

        data_path = Path(sys.argv[1])
        conn = connect(data_path / "db.sqlite")

        def die(statement):
            if statement.startswith("INSERT INTO notes "):
                os._exit(3)

        conn.set_trace_callback(die)
        create_note(conn, data_path, content="Written then crashed", tags=["crash"])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(data_path)], capture_output=True, timeout=60
    )
    assert done.returncode == 3, done.stderr.decode()
    assert get_note(conn, "written-then-crashed") is None
    problems = check(conn, data_path)
    assert [(p.kind, p.slug) for p in problems] == [
        (ProblemKind.ORPHAN_FILE, "written-then-crashed")
    ]
    assert repair(conn, data_path, problems)[0].startswith("re-indexed ")
    note = get_note(conn, "written-then-crashed")
    assert note is not None and note.tags == ["crash"]
    _assert_consistent(conn, data_path)


def test_reindex_rebuilds_everything_from_the_files(
    conn: sqlite3.Connection, data_path: Path
) -> None:
    first = create_note(conn, data_path, content="Alpha post", tags=["x"])
    second = create_note(conn, data_path, content="Beta draft", status="draft", name="Beta")
    ghost = create_note(conn, data_path, content="Row only")
    (data_path / ghost.path).unlink()
    (data_path / "notes/2026/11/.hidden.md").write_text("skipped")
    (data_path / "notes/2026/11/.alpha-post.md.tmp").write_text("stale temp")
    conn.execute("UPDATE notes SET html = 'stale', tags = '[]' WHERE id = ?", (first.id,))
    conn.execute("DELETE FROM note_tags")
    conn.execute("DELETE FROM notes_fts")
    version = content_version(conn)
    calls: list[tuple[int, int]] = []
    assert reindex(conn, data_path, progress=lambda done, total: calls.append((done, total))) == 2
    assert calls == [(1, 2), (2, 2)]
    assert get_note(conn, first.slug) == first
    assert get_note(conn, second.slug) == second
    assert get_note(conn, ghost.slug) is None
    assert all_tags(conn) == [("x", 1)]
    assert [n.slug for n, _ in search_notes(conn, "alpha").items] == [first.slug]
    assert content_version(conn) > version
    _assert_consistent(conn, data_path)


def test_reindex_from_files_alone(conn: sqlite3.Connection, data_path: Path) -> None:
    notes = [create_note(conn, data_path, content=f"Post {n}", tags=["t"]) for n in range(5)]
    conn.execute("DELETE FROM notes")
    assert reindex(conn, data_path) == 5
    for note in notes:
        restored = get_note(conn, note.slug)
        assert restored is not None
        assert (restored.content, restored.content_hash, restored.tags) == (
            note.content, note.content_hash, ["t"],
        )  # fmt: skip
    _assert_consistent(conn, data_path)


def test_reindex_refuses_damaged_files(conn: sqlite3.Connection, data_path: Path) -> None:
    note = create_note(conn, data_path, content="Intact", published=WHEN)
    (data_path / "notes/2026/11/bad.md").write_text("garbage")
    twin = data_path / "notes/2020/02/intact.md"
    twin.parent.mkdir(parents=True)
    twin.write_bytes((data_path / note.path).read_bytes())
    version = content_version(conn)
    with pytest.raises(NoteFileError) as info:
        reindex(conn, data_path)
    assert "notes/2026/11/bad.md" in str(info.value)
    assert "is also in" in str(info.value)
    assert get_note(conn, note.slug) == note
    assert content_version(conn) == version
