"""Uploads are judged by decoding, stripped of metadata, oriented and resized."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from werkzeug.datastructures import FileStorage

from starpunk.database import get_db
from starpunk.media import media_by_url, save_upload
from starpunk.media.store import RELPATH_RE
from tests.media import images
from tests.media.helpers import issue_token, local_path


def stored(app: Flask, client, location: str) -> tuple[bytes, str]:
    with client.get(local_path(location)) as response:
        assert response.status_code == 200
        return response.data, response.mimetype


def rows(app: Flask) -> dict[str, list]:
    with app.app_context():
        conn = get_db()
        return {
            "media": conn.execute("SELECT * FROM media").fetchall(),
            "variants": conn.execute("SELECT * FROM media_variants").fetchall(),
        }


def test_jpeg_loses_gps_exif_xmp_and_comment_and_is_oriented(app: Flask, client, upload) -> None:
    original = images.jpeg_with_gps(400, 300, orientation=6)
    assert all(secret in original for secret in images.SECRETS)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # GPS is really there

    response = upload(original)
    assert response.status_code == 201
    data, mimetype = stored(app, client, response.headers["Location"])

    assert mimetype == "image/jpeg"
    assert not any(secret in data for secret in images.SECRETS)
    result = Image.open(io.BytesIO(data))
    assert result.format == "JPEG"
    assert not result.getexif()  # no EXIF at all, so no GPS and no orientation left
    assert "xmp" not in result.info and "comment" not in result.info
    assert result.size == (300, 400)  # orientation 6 applied: rotated a quarter turn
    for variant_path in Path(app.config["DATA_PATH"], "media").rglob("*-*.jpg"):
        assert not any(secret in variant_path.read_bytes() for secret in images.SECRETS)


@pytest.mark.parametrize(
    ("make", "mimetype", "original_type"),
    [
        (images.png, "image/png", "image/png"),
        (images.webp, "image/webp", "image/webp"),
        (lambda: images.png(mode="L"), "image/png", "image/png"),
        (lambda: images.png(mode="P"), "image/png", "image/png"),
        (images.heic, "image/jpeg", "image/heic"),
        (lambda: images.heic(extra_images=2), "image/jpeg", "image/heic"),
        (images.mpo, "image/jpeg", "image/jpeg"),
        (lambda: images.encode(Image.new("CMYK", (90, 60), (0, 255, 0, 0)), "JPEG"),
         "image/jpeg", "image/jpeg"),
        (lambda: images.encode(Image.new("I;16", (90, 60), 40000), "PNG"),
         "image/png", "image/png"),
    ],
    ids=["png-rgba", "webp", "png-grey", "png-palette", "heic-to-jpeg", "heic-several-images",
         "mpo", "cmyk-jpeg", "png-16-bit"],
)
def test_every_accepted_format(app: Flask, client, upload, make, mimetype, original_type) -> None:
    source = make()
    response = upload(source, filename="whatever.bin", content_type="application/octet-stream")
    assert response.status_code == 201, response.json
    data, served_type = stored(app, client, response.headers["Location"])
    assert served_type == mimetype
    assert Image.open(io.BytesIO(data)).size == Image.open(io.BytesIO(source)).size
    (row,) = rows(app)["media"]
    assert (row["content_type"], row["original_type"]) == (mimetype, original_type)
    assert row["size"] == len(data) and row["width"] > 0 and len(row["checksum"]) == 64


def test_heic_loses_gps_exif_and_xmp(app: Flask, client, upload) -> None:
    source = images.heic()
    assert b"SecretCam" in source and b"secret-xmp-payload" in source
    data, _ = stored(app, client, upload(source, filename="IMG_0001.HEIC").headers["Location"])
    assert b"SecretCam" not in data and b"secret-xmp-payload" not in data
    assert not Image.open(io.BytesIO(data)).getexif()


def test_sixteen_bit_grey_is_scaled_not_clipped(app: Flask, client, upload) -> None:
    source = images.encode(Image.new("I;16", (20, 20), 32768), "PNG")
    data, _ = stored(app, client, upload(source, filename="g.png").headers["Location"])
    assert Image.open(io.BytesIO(data)).convert("L").getpixel((3, 3)) == 128


def test_corrupt_exif_is_dropped_not_fatal(app: Flask, client, upload) -> None:
    broken_exif = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x05\x01\x12\x00\x03\xff\xff"
    source = images.encode(images.gradient(50, 40), "JPEG", exif=broken_exif)
    response = upload(source)
    assert response.status_code == 201
    data, _ = stored(app, client, response.headers["Location"])
    assert Image.open(io.BytesIO(data)).size == (50, 40)
    assert broken_exif[6:] not in data


@pytest.mark.parametrize("fmt", ["WEBP", "PNG"])
def test_animated_webp_and_apng_keep_frames_and_timing(app: Flask, client, upload, fmt) -> None:
    frames = [Image.new("RGBA", (60, 40), (index * 60, 0, 0, 255)) for index in range(3)]
    source = images.encode(frames[0], fmt, save_all=True, append_images=frames[1:],
                           duration=[80, 120, 160], loop=0)
    data, _ = stored(app, client, upload(source, filename="a.bin").headers["Location"])
    result = Image.open(io.BytesIO(data))
    timings = []
    for index in range(result.n_frames):
        result.seek(index)
        result.load()
        timings.append(result.info["duration"])
    assert timings == [80, 120, 160]
    assert abs(result.getpixel((1, 1))[0] - 120) <= 4  # the last frame (lossy WebP: near)


def test_png_transparency_is_kept(app: Flask, client, upload) -> None:
    source = Image.new("RGBA", (40, 30), (0, 0, 255, 0))
    response = upload(images.encode(source, "PNG"), filename="t.png")
    data, _ = stored(app, client, response.headers["Location"])
    assert Image.open(io.BytesIO(data)).convert("RGBA").getpixel((5, 5))[3] == 0


def test_animated_gif_keeps_frames_and_timing(app: Flask, client, upload) -> None:
    response = upload(images.animated_gif(frames=3), filename="a.gif", content_type="image/gif")
    assert response.status_code == 201
    data, mimetype = stored(app, client, response.headers["Location"])
    assert mimetype == "image/gif"
    assert b"secret-comment" not in data
    result = Image.open(io.BytesIO(data))
    assert result.n_frames == 3
    assert result.info["loop"] == 0
    assert result.info["duration"] == 70
    media = rows(app)["media"][0]
    assert media["animated"] == 1
    # an animation gets only the still thumbnail: resized stills would stop it moving
    assert [v["name"] for v in rows(app)["variants"]] == ["thumb"]


def test_variant_sizes_are_exact_and_never_upscaled(app: Flask, upload) -> None:
    assert upload(images.encode(images.gradient(2000, 1000), "JPEG")).status_code == 201
    assert upload(images.encode(images.gradient(500, 700), "JPEG")).status_code == 201
    assert upload(images.encode(images.gradient(100, 80), "JPEG")).status_code == 201
    with app.app_context():
        conn = get_db()
        found = {
            (m["width"], m["height"]): {
                v["name"]: (v["width"], v["height"])
                for v in conn.execute(
                    "SELECT * FROM media_variants WHERE media_id = ?", (m["id"],)
                )
            }
            for m in conn.execute("SELECT * FROM media")
        }
    assert found == {
        (2000, 1000): {"thumb": (150, 150), "320": (320, 160), "640": (640, 320),
                       "1280": (1280, 640)},
        (500, 700): {"thumb": (150, 150), "320": (320, 448)},
        (100, 80): {"thumb": (80, 80)},
    }
    expected_sizes = set(found) | {size for sizes in found.values() for size in sizes.values()}
    for path in Path(app.config["DATA_PATH"], "media").rglob("*.jpg"):
        relpath = path.relative_to(Path(app.config["DATA_PATH"], "media")).as_posix()
        assert RELPATH_RE.match(relpath)
        with Image.open(path) as image:
            assert image.size in expected_sizes


@pytest.mark.parametrize(
    ("payload", "filename", "content_type"),
    [
        (images.SVG, "logo.svg", "image/svg+xml"),
        (images.HTML, "photo.jpg", "image/jpeg"),
        (images.PDF, "scan.png", "image/png"),
        (images.ELF, "cat.jpg", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n" + images.HTML, "poly.png", "image/png"),
        (b"GIF89a" + images.HTML, "poly.gif", "image/gif"),
        (images.jpeg_with_gps()[:600], "truncated.jpg", "image/jpeg"),
    ],
    ids=["svg", "html-as-jpg", "pdf", "executable", "png-magic-html", "gif-magic-html",
         "truncated"],
)
def test_anything_that_does_not_decode_is_refused(
    app: Flask, upload, payload, filename, content_type
) -> None:
    response = upload(payload, filename=filename, content_type=content_type)
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"
    assert "JPEG, PNG, GIF, WebP or HEIC" in response.json["error_description"]
    assert rows(app) == {"media": [], "variants": []}
    assert not [p for p in Path(app.config["DATA_PATH"], "media").rglob("*") if p.is_file()]


def test_polyglot_payload_after_a_real_image_never_reaches_the_stored_file(
    app: Flask, client, upload
) -> None:
    polyglot = images.encode(images.gradient(64, 64), "JPEG") + images.HTML
    response = upload(polyglot, filename="x.html", content_type="text/html")
    assert response.status_code == 201
    data, mimetype = stored(app, client, response.headers["Location"])
    assert mimetype == "image/jpeg"
    assert b"<script>" not in data and b"<html>" not in data


def test_decompression_bomb_is_refused_before_decoding(app: Flask, upload) -> None:
    response = upload(images.png_claiming_size(30000, 30000), filename="bomb.png")
    assert response.status_code == 400
    assert "too many pixels" in response.json["error_description"]


def test_pixel_limit_setting(app_factory) -> None:
    app = app_factory(MEDIA_MAX_PIXELS=10_000)
    client = app.test_client()
    raw = issue_token(app, "media")
    headers = {"Authorization": f"Bearer {raw}"}

    def post(data: bytes) -> int:
        form = {"file": (io.BytesIO(data), "a.png", "image/png")}
        return client.post("/micropub/media", data=form, headers=headers).status_code

    assert post(images.png(100, 100)) == 201
    assert post(images.png(101, 100)) == 400
    # an animation's frames count too: 3 frames of 60x40 is 7200 pixels ...
    assert post(images.animated_gif(3)) == 201
    # ... and 5 frames is 12000
    assert post(images.animated_gif(5)) == 400


def test_media_by_url_finds_originals_and_variants(app: Flask, upload) -> None:
    location = upload(images.encode(images.gradient(700, 400), "JPEG")).headers["Location"]
    with app.test_request_context():
        conn = get_db()
        media = media_by_url(conn, location)
        assert media is not None and (media.width, media.height) == (700, 400)
        assert media.absolute_url == location
        assert [v.name for v in media.variants] == ["thumb", "320", "640"]
        assert media_by_url(conn, media.variants[1].absolute_url) == media
        assert media_by_url(conn, local_path(location)) == media
        assert media_by_url(conn, location.replace("localhost", "evil.example")) is None
        assert media_by_url(conn, "http://localhost/notes/hello") is None
        assert media_by_url(conn, location + "?x=1") is None


def test_media_by_url_under_a_site_url_with_a_path(app_factory) -> None:
    app = app_factory(SITE_URL="https://example.com/blog/")
    with app.test_request_context():
        conn = get_db()
        media = save_upload(conn, app.config["DATA_PATH"], FileStorage(io.BytesIO(images.png())))
        assert media.absolute_url.startswith("https://example.com/blog/media/")
        assert media_by_url(conn, media.absolute_url) == media
        assert media_by_url(conn, media.absolute_url.replace("/blog/", "/")) is None
