"""Keyset pagination, tag pages, the admin listing and the cost of a page."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from starpunk.database import connect, migrate
from starpunk.errors import BadRequest
from starpunk.notes import all_tags, create_note, delete_note, list_all, list_notes
from starpunk.notes.listing import NotePage, encode_cursor

BASE = datetime(2026, 1, 1, tzinfo=UTC)


def _seed(conn: sqlite3.Connection, data_path: Path, count: int, seed: int = 7) -> list[str]:
    """``count`` published notes in shuffled order, three per second (ties on published)."""
    order = list(range(count))
    random.Random(seed).shuffle(order)
    for number in order:
        create_note(
            conn,
            data_path,
            content=f"Post {number}",
            slug=f"post-{number}",
            tags=["even" if number % 2 == 0 else "odd"],
            published=BASE + timedelta(seconds=number // 3),
        )
    rows = conn.execute("SELECT slug FROM notes ORDER BY published DESC, id DESC").fetchall()
    return [row[0] for row in rows]


def _walk_older(conn: sqlite3.Connection, limit: int, **filters: object) -> list[NotePage]:
    pages = [list_notes(conn, limit=limit, **filters)]
    while pages[-1].next_cursor:
        pages.append(list_notes(conn, limit=limit, before=pages[-1].next_cursor, **filters))
    return pages


def test_every_post_exactly_once_in_both_directions(
    conn: sqlite3.Connection, data_path: Path
) -> None:
    expected = _seed(conn, data_path, 1000)
    pages = _walk_older(conn, 37)
    assert [n.slug for page in pages for n in page.notes] == expected
    assert pages[0].prev_cursor is None and pages[-1].next_cursor is None
    assert all(len(page.notes) == 37 for page in pages[:-1])
    # Back up from the last page to the first with prev_cursor/after.
    newer = [pages[-1]]
    while newer[-1].prev_cursor:
        newer.append(list_notes(conn, limit=37, after=newer[-1].prev_cursor))
    seen = [n.slug for page in reversed(newer) for n in page.notes]
    assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen))
    assert seen[-len(pages[-1].notes) :] == expected[-len(pages[-1].notes) :]
    assert newer[-1].notes[0].slug == expected[0]
    # Every page reached backwards has both neighbours exactly where they should be.
    assert all(page.next_cursor for page in newer[1:])


def test_tag_pages_walk_by_index(conn: sqlite3.Connection, data_path: Path) -> None:
    expected = _seed(conn, data_path, 300)
    pages = _walk_older(conn, 20, tag="Even")
    evens = [slug for slug in expected if int(slug.split("-")[1]) % 2 == 0]
    assert [n.slug for page in pages for n in page.notes] == evens
    back = list_notes(conn, limit=20, tag="even", after=pages[2].prev_cursor)
    assert [n.slug for n in back.notes] == [n.slug for n in pages[1].notes]
    assert all_tags(conn) == [("even", 150), ("odd", 150)]


def test_page_edges(conn: sqlite3.Connection, data_path: Path) -> None:
    expected = _seed(conn, data_path, 10)
    first = list_notes(conn, limit=10)
    assert [n.slug for n in first.notes] == expected
    assert (first.next_cursor, first.prev_cursor) == (None, None)
    empty = list_notes(conn, limit=5, before=encode_cursor(first.notes[-1]))
    assert empty.notes == [] and empty.next_cursor is None
    # Going back from the empty page gives the five posts nearest to its cursor.
    back = list_notes(conn, limit=5, after=empty.prev_cursor)
    assert [n.slug for n in back.notes] == expected[4:9]
    assert list_notes(conn, before="", after=None).notes == first.notes


@pytest.mark.parametrize(
    "kwargs",
    [
        {"before": "not-a-cursor"},
        {"after": "W10"},
        {"before": "WyJ4IiwxXQ"},
        {"before": "a", "after": "b"},
        {"limit": 0},
        {"limit": 201},
    ],
)
def test_bad_page_requests(conn: sqlite3.Connection, kwargs: dict) -> None:
    with pytest.raises(BadRequest):
        list_notes(conn, **kwargs)


def test_drafts_and_admin_listing(conn: sqlite3.Connection, data_path: Path) -> None:
    published = create_note(conn, data_path, content="Live", published=BASE, tags=["t"])
    draft = create_note(conn, data_path, content="Draft", status="draft", tags=["t"])
    gone = create_note(conn, data_path, content="Gone", published=BASE + timedelta(days=1))
    delete_note(conn, data_path, gone.slug)

    def slugs(page: NotePage) -> list[str]:
        return [n.slug for n in page.notes]

    assert slugs(list_notes(conn)) == [published.slug]
    assert slugs(list_notes(conn, include_drafts=True)) == [draft.slug, published.slug]
    assert slugs(list_notes(conn, tag="t")) == [published.slug]
    assert slugs(list_notes(conn, tag="t", include_drafts=True)) == [draft.slug, published.slug]
    assert slugs(list_all(conn)) == [draft.slug, gone.slug, published.slug]
    assert slugs(list_all(conn, include_deleted=False)) == [draft.slug, published.slug]
    assert slugs(list_all(conn, status="published")) == [published.slug]
    assert slugs(list_all(conn, status="draft")) == [draft.slug]
    assert slugs(list_all(conn, status="deleted")) == [gone.slug]
    assert all_tags(conn) == [("t", 1)]
    with pytest.raises(BadRequest):
        list_all(conn, status="secret")


def _statements(conn: sqlite3.Connection, call: object) -> list[str]:
    captured: list[str] = []
    conn.set_trace_callback(captured.append)
    try:
        call()  # type: ignore[operator]
    finally:
        conn.set_trace_callback(None)
    return captured


def _page_calls(conn: sqlite3.Connection) -> list[object]:
    cursor = list_notes(conn, limit=5).next_cursor
    tag_cursor = list_notes(conn, limit=5, tag="odd").next_cursor
    return [
        lambda: list_notes(conn, limit=5),
        lambda: list_notes(conn, limit=5, before=cursor),
        lambda: list_notes(conn, limit=5, after=cursor),
        lambda: list_notes(conn, limit=5, include_drafts=True, before=cursor),
        lambda: list_notes(conn, limit=5, tag="odd", before=tag_cursor),
        lambda: list_notes(conn, limit=5, tag="odd", include_drafts=True, after=tag_cursor),
        lambda: list_all(conn, limit=5, before=cursor),
        lambda: list_all(conn, status="draft", limit=5),
        lambda: list_all(conn, status="published", limit=5, before=cursor),
        lambda: list_all(conn, status="deleted", limit=5),
        lambda: list_all(conn, include_deleted=False, limit=5, after=cursor),
    ]


def _assert_indexed(conn: sqlite3.Connection, sql: str) -> None:
    steps = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
    for step in steps:
        assert "TEMP B-TREE" not in step, (sql, steps)
        if step.startswith(("SCAN", "SEARCH")) and step != "SCAN CONSTANT ROW":
            assert "INDEX" in step or "PRIMARY KEY" in step, (sql, steps)
    if "status = 'published'" in sql:
        assert any("status=?" in step for step in steps), (sql, steps)


def test_page_cost_does_not_grow_with_posts(tmp_path: Path) -> None:
    counts = []
    for size in (30, 600):
        folder = tmp_path / str(size)
        folder.mkdir()
        conn = connect(folder / "db.sqlite")
        try:
            migrate(conn, folder / ".lock")
            _seed(conn, folder, size)
            create_note(conn, folder, content="A draft", status="draft")
            delete_note(conn, folder, "post-4")
            counts.append([len(_statements(conn, call)) for call in _page_calls(conn)])
            for call in _page_calls(conn):
                for sql in _statements(conn, call):
                    _assert_indexed(conn, sql)
        finally:
            conn.close()
    assert counts[0] == counts[1]
    assert max(counts[0]) <= 2
