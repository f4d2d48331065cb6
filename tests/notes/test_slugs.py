"""Slug generation, reservation, collisions, validation and stability after publishing."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from starpunk.errors import BadRequest
from starpunk.notes import create_note, delete_note, get_note, update_note
from starpunk.notes.slugs import MAX_SLUG_LENGTH, RESERVED, SLUG_RE, base_slug, slug_source


@pytest.mark.parametrize(
    ("name", "content", "slug"),
    [
        ("Héllo Wörld", "", "hello-world"),
        (None, "Héllo Wörld, this is my first post", "hello-world-this-is-my-first-post"),
        ("Straße nach Ærø", "", "strasse-nach-aero"),
        ("It's a dog’s life", "", "its-a-dogs-life"),
        ("中文 标题", "", "zhong-wen-biao-ti"),
        (
            None,
            "Look at [this link](https://example.com/x) ![img](https://e.x/i.png)",
            "look-at-this-link",
        ),
        (None, "https://example.com/only-a-url and then words", "and-then-words"),
    ],
)
def test_generated_slugs(
    conn: sqlite3.Connection, data_path: Path, name: str | None, content: str, slug: str
) -> None:
    note = create_note(conn, data_path, content=content or "body", name=name)
    assert note.slug == slug
    assert note.path.endswith(f"/{slug}.md")


@time_machine.travel(datetime(2026, 11, 24, 18, 55, 1, tzinfo=UTC), tick=False)
def test_emoji_only_text_falls_back_to_a_timestamp(
    conn: sqlite3.Connection, data_path: Path
) -> None:
    assert base_slug("🎉🚀✨") == ""
    first = create_note(conn, data_path, content="🎉🚀✨")
    second = create_note(conn, data_path, content="🙂")
    assert first.slug == "20261124-185501"
    assert second.slug == "20261124-185501-2"
    like = create_note(conn, data_path, content="", properties={"like-of": ["https://a.example"]})
    assert like.slug == "20261124-185501-3"


def test_reserved_words_are_avoided(conn: sqlite3.Connection, data_path: Path) -> None:
    for word in ("Admin", "feed", "tags", "micropub"):
        note = create_note(conn, data_path, content="x", name=word)
        assert note.slug == f"{word.lower()}-2"
    assert {"admin", "api", "auth", "notes", "note", "search", "static", "well-known"} <= RESERVED


def test_collisions_count_deleted_posts(conn: sqlite3.Connection, data_path: Path) -> None:
    first = create_note(conn, data_path, content="Same title")
    delete_note(conn, data_path, first.slug)
    second = create_note(conn, data_path, content="Same title")
    third = create_note(conn, data_path, content="Same title")
    assert [first.slug, second.slug, third.slug] == ["same-title", "same-title-2", "same-title-3"]


def test_slug_length_is_capped_on_a_word_boundary(
    conn: sqlite3.Connection, data_path: Path
) -> None:
    words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima"
    first = create_note(conn, data_path, content="x", name=words + " mike november")
    assert len(first.slug) <= MAX_SLUG_LENGTH
    assert first.slug == "alpha-bravo-charlie-delta-echo-foxtrot-golf-hotel-india"
    # Collisions with a full-length base still fit in the limit.
    long = "w" * 70
    a = create_note(conn, data_path, content="x", name=long)
    b = create_note(conn, data_path, content="x", name=long)
    assert a.slug == "w" * MAX_SLUG_LENGTH
    assert b.slug.endswith("-2") and len(b.slug) <= MAX_SLUG_LENGTH
    assert SLUG_RE.match(b.slug)


def test_slug_source_prefers_the_name() -> None:
    assert slug_source("Title", "Content words") == "Title"
    assert slug_source("  ", "Content words") == "Content words"


def test_custom_slug(conn: sqlite3.Connection, data_path: Path) -> None:
    note = create_note(conn, data_path, content="x", slug="my-custom-slug")
    assert note.slug == "my-custom-slug"


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("Has Caps", "not valid"),
        ("trailing-", "not valid"),
        ("-leading", "not valid"),
        ("double--hyphen", "not valid"),
        ("under_score", "not valid"),
        ("ünï", "not valid"),
        ("", "not valid"),
        ("a" * 61, "too long"),
        ("admin", "reserved"),
        ("feed", "reserved"),
        ("taken", "already in use"),
    ],
)
def test_custom_slug_validation(
    conn: sqlite3.Connection, data_path: Path, slug: str, message: str
) -> None:
    create_note(conn, data_path, content="x", slug="taken")
    with pytest.raises(BadRequest, match=message):
        create_note(conn, data_path, content="y", slug=slug)
    assert conn.execute("SELECT count(*) FROM notes").fetchone()[0] == 1


def test_an_orphan_file_keeps_its_slug_taken(conn: sqlite3.Connection, data_path: Path) -> None:
    when = datetime(2026, 5, 1, tzinfo=UTC)
    orphan = data_path / "notes/2026/05/ghost.md"
    orphan.parent.mkdir(parents=True)
    orphan.write_text("left by a crash")
    with pytest.raises(BadRequest, match="already in use"):
        create_note(conn, data_path, content="x", slug="ghost", published=when)
    assert create_note(conn, data_path, content="Ghost", published=when).slug == "ghost-2"
    assert orphan.read_text() == "left by a crash"


def test_published_slug_never_changes(conn: sqlite3.Connection, data_path: Path) -> None:
    note = create_note(conn, data_path, content="Original words", name="Original")
    edited = update_note(conn, data_path, note.slug, name="A new title", content="New words")
    assert (edited.slug, edited.path) == (note.slug, note.path)
    assert edited.name == "A new title"
    with pytest.raises(BadRequest, match="keeps its slug"):
        update_note(conn, data_path, note.slug, new_slug="renamed")
    same = update_note(conn, data_path, note.slug, new_slug=note.slug)
    assert same.slug == note.slug
    unpublished = update_note(conn, data_path, note.slug, status="draft")
    with pytest.raises(BadRequest, match="keeps its slug"):
        update_note(conn, data_path, unpublished.slug, new_slug="renamed")
    assert get_note(conn, "renamed") is None


def test_a_never_published_draft_may_change_slug(conn: sqlite3.Connection, data_path: Path) -> None:
    draft = create_note(
        conn, data_path, content="x", name="Working title", status="draft",
        published=datetime(2025, 1, 5, tzinfo=UTC),
    )  # fmt: skip
    renamed = update_note(conn, data_path, draft.slug, new_slug="final-title")
    assert renamed.slug == "final-title"
    assert renamed.path == "notes/2025/01/final-title.md"
    assert not (data_path / draft.path).exists()
    assert (data_path / renamed.path).exists()
    assert get_note(conn, draft.slug) is None
    with pytest.raises(BadRequest, match="reserved"):
        update_note(conn, data_path, renamed.slug, new_slug="admin")
