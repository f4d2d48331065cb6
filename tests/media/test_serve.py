"""``GET /media/...``: the stored type, nosniff, immutable caching, ETags, nothing else served."""

from __future__ import annotations

from flask import Flask

from tests.media import images
from tests.media.helpers import local_path


def test_headers(client, upload) -> None:
    path = local_path(upload(images.webp(), filename="x.jpg").headers["Location"])
    with client.get(path) as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "image/webp"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        cache = response.cache_control
        assert cache.public and cache.immutable and cache.max_age == 365 * 86400
        assert "sandbox" in response.headers["Content-Security-Policy"]
        etag = response.headers["ETag"]
        assert len(etag.strip('"')) == 64
    with client.get(path, headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304
        assert not again.data
    with client.head(path) as head:
        assert head.status_code == 200 and head.headers["Content-Type"] == "image/webp"


def test_variants_are_served_with_their_own_etag(app: Flask, client, upload) -> None:
    path = local_path(upload(images.encode(images.gradient(900, 600), "JPEG")).headers["Location"])
    etags = set()
    for suffix in ("", "-thumb", "-320", "-640"):
        with client.get(path.replace(".jpg", f"{suffix}.jpg")) as response:
            assert response.status_code == 200, suffix
            assert response.headers["Content-Type"] == "image/jpeg"
            etags.add(response.headers["ETag"])
    assert len(etags) == 4
    with client.get(path.replace(".jpg", "-1280.jpg")) as missing:
        assert missing.status_code == 404  # never upscaled, so never made


def test_traversal_and_unknown_paths_are_404(app: Flask, client, upload) -> None:
    upload(images.png())
    data = app.config["DATA_PATH"]
    stray = data / "media" / "2026" / "01" / ("a" * 20 + ".png")
    stray.parent.mkdir(parents=True)
    stray.write_bytes(images.png())  # a file with a valid name but no row: not ours to serve
    for path in (
        "/media/../starpunk.db",
        "/media/..%2fstarpunk.db",
        "/media/%2e%2e/%2e%2e/etc/passwd",
        "/media/2026/01/" + "a" * 20 + ".png",
        "/media/2026/01/" + "a" * 20 + ".svg",
        "/media/2026/13/" + "a" * 20 + ".png",
        "/media/starpunk.db",
        "/media/logs/starpunk.log",
        "/media/",
    ):
        with client.get(path) as response:
            assert response.status_code == 404, path


def test_a_row_whose_file_vanished_is_404_not_500(app: Flask, client, upload) -> None:
    path = local_path(upload(images.png()).headers["Location"])
    (app.config["DATA_PATH"] / path.lstrip("/")).unlink()
    with client.get(path) as response:
        assert response.status_code == 404
