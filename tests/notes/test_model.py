"""Note kinds, tags, properties and the exact file format."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from starpunk.errors import BadRequest
from starpunk.notes import create_note, get_note
from starpunk.notes.check import reindex
from starpunk.notes.files import NoteFile, NoteFileError, parse_note_file
from starpunk.notes.model import derive_kind, normalize_tags

WHEN = datetime(2026, 11, 24, 18, 55, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "properties", "kind"),
    [
        (None, {}, "note"),
        ("A title", {}, "article"),
        (None, {"in-reply-to": ["https://a.example/1"]}, "reply"),
        (None, {"like-of": ["https://a.example/1"]}, "like"),
        (None, {"repost-of": ["https://a.example/1"]}, "repost"),
        (None, {"bookmark-of": ["https://a.example/1"]}, "bookmark"),
        (None, {"photo": [{"value": "https://a.example/p.jpg", "alt": "A cat"}]}, "photo"),
        ("Title", {"in-reply-to": ["https://a.example/1"], "photo": ["https://p"]}, "reply"),
        ("Title", {"photo": ["https://a.example/p.jpg"]}, "photo"),
        (None, {"like-of": []}, "note"),
    ],
)
def test_kind_is_derived(
    conn: sqlite3.Connection, data_path: Path, name: str | None, properties: dict, kind: str
) -> None:
    assert derive_kind(name, properties) == kind
    note = create_note(conn, data_path, content="Some text", name=name, properties=properties)
    assert note.kind == kind
    assert get_note(conn, note.slug).kind == kind
    row = conn.execute("SELECT kind FROM notes WHERE id = ?", (note.id,)).fetchone()
    assert row["kind"] == kind


def test_every_property_round_trips_unchanged(conn: sqlite3.Connection, data_path: Path) -> None:
    properties = {
        "in-reply-to": ["https://example.com/post/1"],
        "photo": [{"value": "https://example.com/p.jpg", "alt": 'A "quoted" cat\n'}],
        "syndication": ["https://social.example/@me/1"],
        "mp-syndicate-to": ["https://social.example/"],
        "summary": ["Short — ünïcode ✓ \u2028 line sep"],
        "location": [{"type": ["h-geo"], "properties": {"latitude": ["45.5"]}}],
        "x-anything": [1, 2.5, True, None, {"nested": ["deep"]}],
    }
    note = create_note(conn, data_path, content="Reply", properties=properties)
    assert note.properties == properties
    assert get_note(conn, note.slug).properties == properties
    stored = conn.execute("SELECT properties FROM notes WHERE id = ?", (note.id,)).fetchone()[0]
    assert json.loads(stored) == properties
    file = data_path / note.path
    assert parse_note_file(file.read_bytes(), file).properties == properties
    reindex(conn, data_path)
    assert get_note(conn, note.slug).properties == properties


def test_properties_are_copied_not_shared(conn: sqlite3.Connection, data_path: Path) -> None:
    properties = {"syndication": ["https://a.example/1"]}
    note = create_note(conn, data_path, content="x", properties=properties)
    properties["syndication"].append("https://mutated.example/")
    assert get_note(conn, note.slug).properties == {"syndication": ["https://a.example/1"]}


@pytest.mark.parametrize(
    "properties",
    [
        {"content": ["x"]},
        {"name": ["x"]},
        {"category": ["x"]},
        {"published": ["2026-01-01"]},
        {"syndication": "https://not-a-list.example/"},
        {"": ["x"]},
        {"x-bad": [float("nan")]},
        {"x-bad": [object()]},
        ["not", "a", "dict"],
    ],
)
def test_bad_properties_are_refused(
    conn: sqlite3.Connection, data_path: Path, properties: object
) -> None:
    with pytest.raises(BadRequest):
        create_note(conn, data_path, content="x", properties=properties)  # type: ignore[arg-type]
    assert conn.execute("SELECT count(*) FROM notes").fetchone()[0] == 0


def test_tags_are_normalised() -> None:
    tags = normalize_tags(["IndieWeb", " indieweb ", "#Open  Source", "", "  ", "Café", "a/b?c"])
    assert tags == ["indieweb", "open-source", "café", "abc"]
    with pytest.raises(BadRequest):
        normalize_tags(["x" * 65])
    with pytest.raises(BadRequest):
        normalize_tags("not-a-list")


def test_published_is_honoured_in_utc(conn: sqlite3.Connection, data_path: Path) -> None:
    local = datetime(2026, 3, 1, 1, 30, 15, 999, tzinfo=timezone(timedelta(hours=5)))
    note = create_note(conn, data_path, content="Backdated", published=local)
    assert note.published == datetime(2026, 2, 28, 20, 30, 15, tzinfo=UTC)
    assert note.path == "notes/2026/02/backdated.md"
    with pytest.raises(BadRequest):
        create_note(conn, data_path, content="Naive", published=datetime(2026, 1, 1))


def test_file_format_is_key_and_json_lines(conn: sqlite3.Connection, data_path: Path) -> None:
    note = create_note(
        conn, data_path, content="Body\n---\nmore", name="Hi", tags=["a"], published=WHEN
    )
    text = (data_path / note.path).read_text("utf-8")
    assert text == (
        "---\n"
        'slug: "hi"\n'
        'status: "published"\n'
        'name: "Hi"\n'
        'tags: ["a"]\n'
        'published: "2026-11-24T18:55:01Z"\n'
        "updated: null\n"
        "deleted_at: null\n"
        "was_published: true\n"
        "properties: {}\n"
        "---\n"
        "Body\n---\nmore"
    )


def test_content_line_endings_are_normalised(conn: sqlite3.Connection, data_path: Path) -> None:
    note = create_note(conn, data_path, content="one\r\ntwo\rthree")
    assert note.content == "one\ntwo\nthree"


def test_a_post_needs_a_body(conn: sqlite3.Connection, data_path: Path) -> None:
    with pytest.raises(BadRequest):
        create_note(conn, data_path, content="   \n")
    like = create_note(conn, data_path, content="", properties={"like-of": ["https://a.example"]})
    assert like.kind == "like"


_json_leaf = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
_json = st.recursive(
    _json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
_times = st.datetimes(
    min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)
).map(lambda value: value.replace(microsecond=0))


@settings(max_examples=150, deadline=None)
@given(
    content=st.text(),
    name=st.none() | st.text(),
    tags=st.lists(st.text(min_size=1, max_size=10), max_size=4).map(normalize_tags),
    published=_times,
    updated=st.none() | _times,
    properties=st.dictionaries(
        st.text(min_size=1, max_size=12).filter(lambda key: key not in {"content", "name"}),
        st.lists(_json, max_size=3),
        max_size=4,
    ).filter(
        lambda props: (
            not {"category", "published", "updated", "post-status", "deleted"} & props.keys()
        )
    ),
    status=st.sampled_from(["published", "draft"]),
)
def test_file_round_trip_is_exact(
    content: str,
    name: str | None,
    tags: list[str],
    published: datetime,
    updated: datetime | None,
    properties: dict,
    status: str,
) -> None:
    record = NoteFile(
        slug="a-slug",
        status=status,
        published=published,
        content=content,
        name=name,
        tags=tags,
        updated=updated,
        properties=properties,
        was_published=status == "published",
    )
    data = record.to_bytes()
    assert NoteFile.from_bytes(data) == record
    assert NoteFile.from_bytes(data).to_bytes() == data


GOOD = b'---\nslug: "ok"\nstatus: "draft"\npublished: "2026-11-24T18:55:01Z"\n---\nBody'


@pytest.mark.parametrize(
    "data",
    [
        b"no front matter",
        b'---\nslug: "ok"\n',
        GOOD.replace(b'slug: "ok"', b"slug: ok"),
        GOOD.replace(b'slug: "ok"', b'slug: "Not OK"'),
        GOOD.replace(b'status: "draft"', b'status: "secret"'),
        GOOD.replace(b'status: "draft"', b'status: "draft"\nstatus: "draft"'),
        GOOD.replace(b'status: "draft"', b'status: "draft"\ncolour: "red"'),
        GOOD.replace(b"2026-11-24T18:55:01Z", b"24/11/2026"),
        GOOD.replace(b'status: "draft"', b'status: "draft"\ntags: "a"'),
        GOOD.replace(b'status: "draft"', b'status: "draft"\nproperties: {"x": NaN}'),
        GOOD.replace(b'status: "draft"', b'status: "draft"\nproperties: {"x": "y"}'),
        GOOD.replace(b'status: "draft"', b'status: "draft"\nwas_published: 1'),
        GOOD.replace(b'status: "draft"\n', b""),
        GOOD.replace(b"Body", b"\xff\xfe"),
        GOOD.replace(b"---\n", b"---\r\n", 1),
    ],
)
def test_strict_parser_refuses_damaged_files(data: bytes) -> None:
    assert NoteFile.from_bytes(GOOD).slug == "ok"
    with pytest.raises(NoteFileError):
        NoteFile.from_bytes(data)


def test_file_name_must_match_slug(tmp_path: Path) -> None:
    with pytest.raises(NoteFileError):
        parse_note_file(GOOD, tmp_path / "other.md")
    assert parse_note_file(GOOD, tmp_path / "ok.md").slug == "ok"
