"""Full-text search: safe queries, escaped highlights, visibility, and the LIKE fallback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from starpunk.errors import BadRequest
from starpunk.notes import create_note, delete_note
from starpunk.notes.fts import ensure_fts, fts_available
from starpunk.notes.search import query_terms, search_notes, validate_query


@pytest.fixture
def posts(conn: sqlite3.Connection, data_path: Path) -> None:
    create_note(conn, data_path, content="I love running in the rain", name="Rainy run")
    create_note(conn, data_path, content="Why <script>alert(1)</script> & friends are bad HTML")
    create_note(conn, data_path, content="A secret draft about running", status="draft")
    gone = create_note(conn, data_path, content="Deleted running notes")
    delete_note(conn, data_path, gone.slug)
    create_note(conn, data_path, content="Tagged post", tags=["Gardening"])
    create_note(conn, data_path, content="Ünïcode café latte")


def _slugs(results: object) -> list[str]:
    return [note.slug for note, _snippet in results.items]  # type: ignore[attr-defined]


def _drop_fts(conn: sqlite3.Connection) -> None:
    conn.execute("DROP TABLE notes_fts")
    assert not fts_available(conn)


@pytest.fixture(params=["fts", "like"])
def mode(request: pytest.FixtureRequest, conn: sqlite3.Connection, posts: None) -> str:
    """Run a test with FTS5, and again with the LIKE fallback forced (no FTS table)."""
    if request.param == "like":
        _drop_fts(conn)
    return request.param


def test_finds_published_notes_only(conn: sqlite3.Connection, mode: str) -> None:
    assert fts_available(conn) is (mode == "fts")
    results = search_notes(conn, "running")
    assert results.total == 1
    assert _slugs(results) == ["rainy-run"]
    with_drafts = search_notes(conn, "running", include_drafts=True)
    assert sorted(_slugs(with_drafts)) == ["a-secret-draft-about-running", "rainy-run"]
    assert with_drafts.total == 2


def test_snippets_are_escaped_with_real_marks(conn: sqlite3.Connection, mode: str) -> None:
    results = search_notes(conn, "script friends")
    assert results.total == 1
    (_note, snippet) = results.items[0]
    assert "<script>" not in snippet
    assert "&lt;" in snippet and "&amp;" in snippet
    assert "<mark>script</mark>" in snippet and "<mark>friends</mark>" in snippet
    stripped = snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in stripped and ">" not in stripped


def test_tags_and_unicode_are_searchable(conn: sqlite3.Connection, mode: str) -> None:
    assert _slugs(search_notes(conn, "gardening")) == ["tagged-post"]
    assert _slugs(search_notes(conn, "café")) == ["unicode-cafe-latte"]


def test_query_syntax_is_never_passed_through(conn: sqlite3.Connection, mode: str) -> None:
    for q in ['"*^-()', "** OR **", "NEAR(", "content:", "%_%", "''"]:
        results = search_notes(conn, q)
        assert results.total == len(results.items)
    assert search_notes(conn, '"*^-()').total == 0
    assert search_notes(conn, "%_%").total == 0
    assert _slugs(search_notes(conn, 'rain" OR "x')) == []
    assert _slugs(search_notes(conn, "rain NOT")) == []


def test_ranking_prefers_the_title(conn: sqlite3.Connection, data_path: Path) -> None:
    create_note(conn, data_path, content="Kites everywhere, kites kites", name="Other")
    create_note(conn, data_path, content="Just words", name="Kites")
    assert _slugs(search_notes(conn, "kites"))[0] == "kites"


def test_paging(conn: sqlite3.Connection, data_path: Path) -> None:
    for number in range(7):
        create_note(conn, data_path, content=f"Penguin fact {number}")
    page = search_notes(conn, "penguin", limit=3, offset=6)
    assert page.total == 7 and len(page.items) == 1
    with pytest.raises(BadRequest):
        search_notes(conn, "penguin", limit=0)
    with pytest.raises(BadRequest):
        search_notes(conn, "penguin", offset=-1)


@pytest.mark.parametrize("q", ["", " ", "a", " b ", None, "x" * 201])
def test_query_length_is_checked(conn: sqlite3.Connection, q: str | None) -> None:
    with pytest.raises(BadRequest) as info:
        search_notes(conn, q)  # type: ignore[arg-type]
    assert info.value.status == 400


def test_validate_query_and_terms() -> None:
    assert validate_query("  ok  ") == "ok"
    assert validate_query("x" * 200) == "x" * 200
    assert query_terms('Rain "rain" RAIN* -wind') == ["Rain", "wind"]


def test_fts_table_is_rebuilt_on_the_next_write(conn: sqlite3.Connection, data_path: Path) -> None:
    create_note(conn, data_path, content="Before the index vanished")
    _drop_fts(conn)
    create_note(conn, data_path, content="After it came back")
    assert fts_available(conn)
    assert _slugs(search_notes(conn, "vanished")) == ["before-the-index-vanished"]
    conn.execute("BEGIN")
    assert ensure_fts(conn) is True
    conn.execute("ROLLBACK")
