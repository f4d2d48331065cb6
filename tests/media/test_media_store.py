"""Files and rows are one unit: a failure on either side leaves nothing behind."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.datastructures import FileStorage

from starpunk.database import get_db
from starpunk.errors import BadRequest, PayloadTooLarge
from starpunk.media import save_upload, store
from tests.media import images


def files_under(data_path: Path) -> list[Path]:
    return [p for p in (data_path / "media").rglob("*") if p.is_file()]


def upload_file(data: bytes, name: str = "x.jpg") -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name, content_type="image/jpeg")


def test_save_upload_returns_media_with_urls(app: Flask) -> None:
    with app.test_request_context():
        media = save_upload(get_db(), app.config["DATA_PATH"],
                            upload_file(images.encode(images.gradient(800, 600), "JPEG")))
        assert media.url.startswith("/media/") and media.url.endswith(".jpg")
        assert media.absolute_url == "http://localhost" + media.url
        assert (media.width, media.height, media.content_type) == (800, 600, "image/jpeg")
        assert [v.name for v in media.variants] == ["thumb", "320", "640"]
        assert media.variant("640").width == 640 and media.variant("1280") is None
        stored = app.config["DATA_PATH"] / "media" / media.path
        assert store.checksum(stored.read_bytes()) == media.checksum
        assert stored.stat().st_size == media.size


def test_a_failing_row_removes_every_file(app: Flask, monkeypatch) -> None:
    def broken(*_args: object) -> int:
        raise sqlite3.IntegrityError("simulated")

    monkeypatch.setattr(store, "_insert_rows", broken)
    with app.test_request_context():
        with pytest.raises(sqlite3.IntegrityError):
            save_upload(get_db(), app.config["DATA_PATH"],
                        upload_file(images.encode(images.gradient(900, 600), "JPEG")))
        assert get_db().execute("SELECT count(*) FROM media").fetchone()[0] == 0
    assert files_under(app.config["DATA_PATH"]) == []


def test_a_failing_file_write_removes_the_files_already_written(app: Flask, monkeypatch) -> None:
    real_write = store.write_atomic
    calls = []

    def flaky(path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real_write(path, data)

    monkeypatch.setattr(store, "write_atomic", flaky)
    with app.test_request_context():
        with pytest.raises(OSError):
            save_upload(get_db(), app.config["DATA_PATH"],
                        upload_file(images.encode(images.gradient(900, 600), "JPEG")))
        assert get_db().execute("SELECT count(*) FROM media").fetchone()[0] == 0
    assert len(calls) == 3
    assert files_under(app.config["DATA_PATH"]) == []


def test_limits_can_be_passed_explicitly(app: Flask) -> None:
    with app.test_request_context():
        conn, data_path = get_db(), app.config["DATA_PATH"]
        with pytest.raises(PayloadTooLarge):
            save_upload(conn, data_path, upload_file(images.png()), max_bytes=100)
        with pytest.raises(BadRequest):
            save_upload(conn, data_path, upload_file(images.png(30, 30)), max_pixels=899)
        with pytest.raises(BadRequest, match="empty"):
            save_upload(conn, data_path, upload_file(b""))
        assert save_upload(conn, data_path, upload_file(images.png(30, 30)), max_pixels=900)


def test_files_are_under_year_and_month(app: Flask, time_machine) -> None:
    time_machine.move_to("2027-03-04T05:06:07Z")
    with app.test_request_context():
        media = save_upload(get_db(), app.config["DATA_PATH"], upload_file(images.png()))
    assert media.path.startswith("2027/03/")
    assert media.created_at == "2027-03-04T05:06:07Z"
