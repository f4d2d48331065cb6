"""Photos in the admin editor: upload with alt text, required alt, reorder, remove, errors."""

from __future__ import annotations

import io
import re
from html import unescape
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from starpunk.database import get_db
from starpunk.notes import create_note, get_note
from starpunk.notes.model import Note
from tests.auth.helpers import csrf_token, login_owner, set_owner_password
from tests.media.images import jpeg_with_gps, png

SITE = "http://localhost/"


@pytest.fixture
def owner(app: Flask) -> FlaskClient:
    client = app.test_client()
    login_owner(app, client)
    return client


def _file(data: bytes, name: str) -> tuple[io.BytesIO, str, str]:
    return io.BytesIO(data), name, "image/jpeg" if name.endswith(".jpg") else "image/png"


def _post(client: FlaskClient, url: str, data: dict[str, Any]) -> TestResponse:
    """POST the editor form as the browser does (multipart, with the CSRF token)."""
    form = {"csrf_token": csrf_token(client, "/admin/"), **data}
    return client.post(url, data=form, content_type="multipart/form-data")


def _note(app: Flask, slug: str) -> Note:
    with app.app_context():
        note = get_note(get_db(), slug)
    assert note is not None
    return note


def _slug(resp: TestResponse) -> str:
    assert resp.status_code == 303, resp.get_data(as_text=True)
    return resp.headers["Location"].rsplit("/", 1)[1]


def _attached(html: str) -> list[tuple[str, str]]:
    """``(url, alt)`` of each attached photo in a rendered editor, in order."""
    urls = re.findall(r'name="photo_url" value="([^"]*)"', html)
    alts = re.findall(r'name="photo_alt" type="text" value="([^"]*)"', html)
    return list(zip(map(unescape, urls), map(unescape, alts), strict=True))


def _media_file(app: Flask, url: str) -> Path:
    assert url.startswith(SITE + "media/")
    return Path(app.config["DATA_PATH"]) / "media" / url.removeprefix(SITE + "media/")


def _two_photos(client: FlaskClient, url: str = "/admin/new", **extra: Any) -> TestResponse:
    return _post(client, url, {
        "content": "Two pictures from the walk",
        "photos": [_file(jpeg_with_gps(), "walk.jpg"), _file(png(), "map.png")],
        "new_photo_alt": ["A muddy path under oaks", "A hand-drawn map"],
        **extra,
    })


def test_editor_form_is_multipart_with_a_photo_picker(owner: FlaskClient) -> None:
    html = owner.get("/admin/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file" multiple accept="image/*"' in html
    assert 'name="csrf_token"' in html


def test_publish_with_two_photos_keeps_order_and_alt(app: Flask, owner: FlaskClient) -> None:
    slug = _slug(_two_photos(owner, action="publish"))
    note = _note(app, slug)
    photos = note.properties["photo"]
    assert [p["alt"] for p in photos] == ["A muddy path under oaks", "A hand-drawn map"]
    assert photos[0]["value"].endswith(".jpg") and photos[1]["value"].endswith(".png")
    assert note.kind == "photo"
    for photo in photos:
        assert _media_file(app, photo["value"]).is_file()
        with owner.get(photo["value"].removeprefix(SITE[:-1])) as resp:
            assert resp.status_code == 200
            assert resp.mimetype in ("image/jpeg", "image/png")
            assert b"SecretCam" not in resp.data  # the stored copy is stripped

    page = owner.get(f"/notes/{slug}").get_data(as_text=True)
    imgs = lxml.html.fromstring(page).xpath("//article//img[contains(@class, 'u-photo')]")
    assert [(img.get("src"), img.get("alt")) for img in imgs] == [
        (photos[0]["value"], "A muddy path under oaks"), (photos[1]["value"], "A hand-drawn map")]
    assert all(img.get("srcset") is not None or img.get("width") for img in imgs)

    editor = owner.get(f"/admin/posts/{slug}").get_data(as_text=True)
    assert _attached(editor) == [(p["value"], p["alt"]) for p in photos]
    assert re.search(r'class="photo-thumb" src="/media/[^"]+-thumb\.jpg"', editor)


def test_missing_alt_is_refused_and_photos_stay_attached(app: Flask, owner: FlaskClient) -> None:
    resp = _post(owner, "/admin/new", {
        "title": "Harbour", "content": "Boats at dawn", "tags": "sea, boats",
        "photos": [_file(png(), "boats.png"), _file(png(120, 80), "gulls.png")],
        "new_photo_alt": ["Fishing boats moored in a row", ""], "action": "publish",
    })
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "Add alt text to photo 2 before saving" in html
    attached = _attached(html)
    assert [alt for _, alt in attached] == ["Fishing boats moored in a row", ""]
    assert "Boats at dawn" in html and 'value="Harbour"' in html and 'value="sea, boats"' in html
    with app.app_context():
        assert get_db().execute("SELECT count(*) FROM notes").fetchone()[0] == 0
        assert get_db().execute("SELECT count(*) FROM media").fetchone()[0] == 2

    # The owner only types the missing alt text; the photos are not uploaded again.
    slug = _slug(_post(owner, "/admin/new", {
        "title": "Harbour", "content": "Boats at dawn", "tags": "sea, boats",
        "photo_url": [url for url, _ in attached],
        "photo_alt": ["Fishing boats moored in a row", "Gulls on a post"], "action": "publish",
    }))
    note = _note(app, slug)
    assert [p["alt"] for p in note.properties["photo"]] == [
        "Fishing boats moored in a row", "Gulls on a post"]
    with app.app_context():
        assert get_db().execute("SELECT count(*) FROM media").fetchone()[0] == 2


def test_alt_can_be_optional(app_factory: Any) -> None:
    app = app_factory(MEDIA_REQUIRE_ALT="false")
    assert app.config["MEDIA_REQUIRE_ALT"] is False
    client = app.test_client()
    login_owner(app, client)
    slug = _slug(_post(client, "/admin/new", {
        "content": "No description", "photos": _file(png(), "x.png"), "action": "publish"}))
    assert _note(app, slug).properties["photo"][0]["alt"] == ""


def test_attach_then_reorder_and_remove_without_javascript(
    app: Flask, owner: FlaskClient
) -> None:
    slug = _slug(_two_photos(owner, action="draft"))
    url = f"/admin/posts/{slug}"
    third = _post(owner, url, {
        "content": "Two pictures from the walk",
        "photo_url": [p["value"] for p in _note(app, slug).properties["photo"]],
        "photo_alt": ["A muddy path under oaks", "A hand-drawn map"],
        "photos": _file(png(90, 90), "stile.png"), "new_photo_alt": "A wooden stile",
        "action": "attach",
    })
    assert third.status_code == 200
    attached = _attached(third.get_data(as_text=True))
    assert [alt for _, alt in attached] == [
        "A muddy path under oaks", "A hand-drawn map", "A wooden stile"]
    assert _note(app, slug).content == "Two pictures from the walk"  # attach does not save

    def act(action: str, rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
        resp = _post(owner, url, {
            "content": "Edited while arranging", "photo_url": [u for u, _ in rows],
            "photo_alt": [a for _, a in rows], "action": action})
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200 and "Edited while arranging" in html
        return _attached(html)

    moved = act("photo-up:2", attached)
    assert [alt for _, alt in moved] == [
        "A muddy path under oaks", "A wooden stile", "A hand-drawn map"]
    moved = act("photo-down:0", moved)
    assert [alt for _, alt in moved] == [
        "A wooden stile", "A muddy path under oaks", "A hand-drawn map"]
    assert act("photo-up:0", moved) == moved  # the first cannot go higher
    removed = act("photo-remove:1", moved)
    assert [alt for _, alt in removed] == ["A wooden stile", "A hand-drawn map"]

    assert _slug(_post(owner, url, {
        "content": "Edited while arranging", "photo_url": [u for u, _ in removed],
        "photo_alt": [a for _, a in removed], "action": "publish"})) == slug
    assert _note(app, slug).properties["photo"] == [
        {"value": u, "alt": a} for u, a in removed]

    # Removing the last photo drops the property.
    assert _slug(_post(owner, url, {"content": "Only words now", "action": "publish"})) == slug
    assert "photo" not in _note(app, slug).properties


def test_invalid_file_shows_an_error_and_keeps_the_form(app: Flask, owner: FlaskClient) -> None:
    html_file = b"<!doctype html><script>alert(1)</script>"
    resp = _post(owner, "/admin/new", {
        "title": "Kept title", "content": "Every word I typed", "tags": "keep",
        "photos": [_file(html_file, "evil.jpg"), _file(png(), "fine.png")],
        "new_photo_alt": ["Evil", "A fine picture"], "action": "publish",
    })
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert 'role="alert"' in html and "evil.jpg" in html and "not attached" in html
    assert "Every word I typed" in html and 'value="Kept title"' in html
    assert [alt for _, alt in _attached(html)] == ["A fine picture"]  # the good one is kept
    with app.app_context():
        assert get_db().execute("SELECT count(*) FROM notes").fetchone()[0] == 0


def test_too_large_file_answers_413_in_the_editor(app_factory: Any) -> None:
    app = app_factory(MEDIA_MAX_BYTES="2048")
    client = app.test_client()
    login_owner(app, client)
    resp = _post(client, "/admin/new", {
        "content": "Big one", "photos": _file(jpeg_with_gps(800, 600), "big.jpg"),
        "action": "publish"})
    assert resp.status_code == 413
    assert "Big one" in resp.get_data(as_text=True)


def test_editing_keeps_other_properties(app: Flask, owner: FlaskClient) -> None:
    with app.app_context():
        note = create_note(get_db(), app.config["DATA_PATH"], content="Agreed!", properties={
            "in-reply-to": ["https://example.com/post"], "syndication": ["https://x.test/1"]})
    resp = _post(owner, f"/admin/posts/{note.slug}", {
        "content": "Agreed, with a picture", "photos": _file(png(), "proof.png"),
        "new_photo_alt": "A chart going up", "action": "publish"})
    assert _slug(resp) == note.slug
    saved = _note(app, note.slug)
    assert saved.properties["in-reply-to"] == ["https://example.com/post"]
    assert saved.properties["syndication"] == ["https://x.test/1"]
    assert saved.properties["photo"][0]["alt"] == "A chart going up"
    assert saved.content == "Agreed, with a picture"


def test_micropub_photo_without_alt_needs_one_when_saved_from_the_editor(
    app: Flask, owner: FlaskClient
) -> None:
    with app.app_context():
        note = create_note(get_db(), app.config["DATA_PATH"], content="From my phone",
                           properties={"photo": ["https://cdn.example/p.jpg"]})
    editor = owner.get(f"/admin/posts/{note.slug}").get_data(as_text=True)
    assert _attached(editor) == [("https://cdn.example/p.jpg", "")]
    resp = _post(owner, f"/admin/posts/{note.slug}", {
        "content": "From my phone", "photo_url": "https://cdn.example/p.jpg", "photo_alt": "",
        "action": "publish"})
    assert resp.status_code == 400 and "Add alt text to photo 1" in resp.get_data(as_text=True)
    assert _note(app, note.slug).properties["photo"] == ["https://cdn.example/p.jpg"]


def test_preview_shows_photos_without_saving(app: Flask, owner: FlaskClient) -> None:
    resp = _post(owner, "/admin/new", {
        "content": "Look", "photos": _file(png(), "look.png"), "new_photo_alt": "A red square",
        "action": "preview"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert re.search(r'<div class="preview-photos"><img src="[^"]+" alt="A red square"', html)
    with app.app_context():
        assert get_db().execute("SELECT count(*) FROM notes").fetchone()[0] == 0


def test_photo_uploads_need_the_owner_and_csrf(app: Flask) -> None:
    set_owner_password(app)
    anonymous = app.test_client()
    resp = anonymous.post("/admin/new", data={
        "csrf_token": csrf_token(anonymous), "action": "attach",
        "photos": _file(png(), "a.png")}, content_type="multipart/form-data")
    assert resp.status_code in (401, 403)
    owner = app.test_client()
    login_owner(app, owner)
    resp = owner.post("/admin/new", data={"action": "attach", "photos": _file(png(), "a.png")},
                      content_type="multipart/form-data")
    assert resp.status_code == 400  # no CSRF token
    with app.app_context():
        assert get_db().execute("SELECT count(*) FROM media").fetchone()[0] == 0
