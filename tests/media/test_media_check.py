"""Orphaned media files and rows are found; only those older than a day are removed."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from werkzeug.datastructures import FileStorage

from starpunk.database import get_db
from starpunk.media import Media, save_upload
from starpunk.media.check import MediaProblemKind, check_media, repair_media
from tests.media import images

LATER = datetime.now(UTC) + timedelta(days=2)


def upload(app: Flask, width: int = 700) -> Media:
    data = images.encode(images.gradient(width, 300), "JPEG")
    return save_upload(get_db(), app.config["DATA_PATH"], FileStorage(io.BytesIO(data)))


def kinds(problems: list) -> list[tuple[str, str]]:
    return [(str(p.kind), p.path) for p in problems]


def test_healthy_store_has_no_problems(app: Flask) -> None:
    with app.test_request_context():
        upload(app)
        assert check_media(get_db(), app.config["DATA_PATH"]) == []


def test_orphan_file_is_removed_only_when_older_than_a_day(app: Flask) -> None:
    data_path: Path = app.config["DATA_PATH"]
    with app.test_request_context():
        upload(app)
        stray = data_path / "media" / "2026" / "01" / ".abc.jpg.tmp"  # a crashed write
        stray.parent.mkdir(parents=True)
        stray.write_bytes(b"partial")
        conn = get_db()
        problems = check_media(conn, data_path)
        assert kinds(problems) == [("orphan-media-file", "media/2026/01/.abc.jpg.tmp")]
        assert repair_media(conn, data_path, problems) == []  # too young: maybe in progress
        assert stray.exists()
        assert repair_media(conn, data_path, problems, now=LATER) == [
            "removed media/2026/01/.abc.jpg.tmp (no row)"
        ]
        assert not stray.exists()
        assert check_media(conn, data_path) == []


def test_row_without_original_is_dropped_with_its_variants(app: Flask) -> None:
    data_path: Path = app.config["DATA_PATH"]
    with app.test_request_context():
        conn = get_db()
        gone, kept = upload(app), upload(app)
        (data_path / "media" / gone.path).unlink()
        problems = check_media(conn, data_path)
        assert kinds(problems) == [("missing-media-file", f"media/{gone.path}")]
        assert repair_media(conn, data_path, problems) == []
        actions = repair_media(conn, data_path, problems, now=LATER)
        assert len(actions) == 1 and "and its variants" in actions[0]
        assert conn.execute("SELECT id FROM media").fetchall()[0][0] == kept.id
        assert conn.execute("SELECT count(*) FROM media_variants WHERE media_id = ?",
                            (gone.id,)).fetchone()[0] == 0
        assert not list((data_path / "media").rglob(Path(gone.path).stem + "*"))
        assert check_media(conn, data_path) == []


def test_missing_variant_drops_only_that_row(app: Flask) -> None:
    data_path: Path = app.config["DATA_PATH"]
    with app.test_request_context():
        conn = get_db()
        media = upload(app)
        (data_path / "media" / media.variant("640").path).unlink()
        problems = check_media(conn, data_path)
        assert [(p.kind, p.variant) for p in problems] == [
            (MediaProblemKind.MISSING_FILE, "640")
        ]
        repair_media(conn, data_path, problems, now=LATER)
        names = [r[0] for r in conn.execute(
            "SELECT name FROM media_variants WHERE media_id = ?", (media.id,))]
        assert sorted(names) == ["320", "thumb"]
        assert check_media(conn, data_path) == []


def test_changed_file_is_reported_not_touched(app: Flask) -> None:
    data_path: Path = app.config["DATA_PATH"]
    with app.test_request_context():
        conn = get_db()
        media = upload(app)
        path = data_path / "media" / media.path
        path.write_bytes(path.read_bytes() + b"x")
        old = (LATER - timedelta(days=10)).timestamp()
        os.utime(path, (old, old))
        problems = check_media(conn, data_path)
        assert [p.kind for p in problems] == [MediaProblemKind.CHANGED_FILE]
        assert "bytes on disk" in str(problems[0])
        assert repair_media(conn, data_path, problems, now=LATER) == []
        assert path.exists()
