"""The Micropub media endpoint: bearer tokens, scopes, the multipart protocol, 201 + Location."""

from __future__ import annotations

import io

import pytest
from flask import Flask

from starpunk.database import get_db
from starpunk.media.store import RELPATH_RE
from tests.media import images
from tests.media.helpers import issue_token, local_path


def test_round_trip_upload_location_get(app: Flask, client, upload) -> None:
    response = upload(images.png(), filename="p.png", content_type="image/png")
    assert response.status_code == 201
    location = response.headers["Location"]
    assert location.startswith("http://localhost/media/")
    assert response.json == {"url": location}
    with client.get(local_path(location)) as fetched:
        assert fetched.status_code == 200
        assert fetched.headers["Content-Type"] == "image/png"


def test_location_is_built_from_site_url(app_factory) -> None:
    app = app_factory(SITE_URL="http://starpunk.test")
    raw = issue_token(app, "create")
    response = app.test_client().post(
        "/micropub/media", base_url="http://127.0.0.1:8123",
        data={"file": (io.BytesIO(images.png()), "p.png")},
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 201
    assert response.headers["Location"].startswith("http://starpunk.test/media/20")


def test_no_token_is_401_with_a_bearer_challenge(upload) -> None:
    response = upload(images.png(), bearer="")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["error"] == "unauthorized"


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer not-a-real-token"])
def test_bad_credentials_are_401(app: Flask, client, header: str) -> None:
    response = client.post(
        "/micropub/media", data={"file": (io.BytesIO(images.png()), "p.png")},
        headers={"Authorization": header},
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    with app.app_context():
        assert get_db().execute("SELECT count(*) FROM media").fetchone()[0] == 0


def test_revoked_token_is_refused(app: Flask, upload, token) -> None:
    with app.app_context():
        from starpunk.indieauth.tokens import revoke_token

        revoke_token(get_db(), token)
    assert upload(images.png()).status_code == 401


@pytest.mark.parametrize("scope", ["profile", "update delete", "draft"])
def test_token_without_media_or_create_scope(upload, make_token, scope: str) -> None:
    response = upload(images.png(), bearer=make_token(scope))
    assert response.status_code == 401
    assert response.json["error"] == "insufficient_scope"
    assert 'scope="media"' in response.headers["WWW-Authenticate"]


def test_create_scope_may_upload(upload, make_token) -> None:
    assert upload(images.png(), bearer=make_token("create")).status_code == 201


def test_token_in_the_form_body(client, token) -> None:
    form = {"file": (io.BytesIO(images.png()), "p.png"), "access_token": token}
    assert client.post("/micropub/media", data=form).status_code == 201


def test_token_in_both_header_and_form_is_refused(upload, token) -> None:
    response = upload(images.png(), access_token=token)
    assert response.status_code == 400


def test_needs_multipart(client, token) -> None:
    response = client.post("/micropub/media", json={"file": "x"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 415
    assert response.json["error"] == "unsupported_media_type"


@pytest.mark.parametrize("parts", [{}, {"photo": "p"}, {"file": 2}], ids=["none", "wrong", "two"])
def test_exactly_one_file_part(client, token, parts: dict) -> None:
    form: dict = {"other": "x"}
    if parts.get("photo"):
        form["photo"] = (io.BytesIO(images.png()), "p.png")
    if parts.get("file"):
        form["file"] = [(io.BytesIO(images.png()), "a.png"), (io.BytesIO(images.png()), "b.png")]
    response = client.post("/micropub/media", data=form, content_type="multipart/form-data",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"


def test_upload_over_media_max_bytes_is_413(app_factory) -> None:
    app = app_factory(MEDIA_MAX_BYTES=4096)
    raw = issue_token(app, "media")
    big = images.encode(images.noise(60, 60), "PNG")
    assert len(big) > 4096
    response = app.test_client().post(
        "/micropub/media", data={"file": (io.BytesIO(big), "big.png")},
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 413
    assert response.json["error"] == "payload_too_large"


def test_request_over_max_content_length_is_413(app_factory) -> None:
    app = app_factory(MAX_CONTENT_LENGTH=2048)
    big = images.encode(images.noise(60, 60), "PNG")
    raw = issue_token(app, "media")
    response = app.test_client().post(
        "/micropub/media", data={"file": (io.BytesIO(big), "big.png")},
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 413
    assert response.json["error"] == "payload_too_large"


def test_client_file_name_never_becomes_a_path(app: Flask, upload) -> None:
    for name in ("../../secret.key.jpg", "..\\..\\x.jpg", "/etc/passwd", "a/../../b.png", ""):
        response = upload(images.png(), filename=name)
        assert response.status_code == 201, name
    data = app.config["DATA_PATH"]
    written = [p for p in data.parent.rglob("*") if p.suffix in (".png", ".jpg", ".key")]
    assert len(written) == 5 * 2  # the original and the thumbnail of each upload
    for path in written:
        relpath = path.relative_to(data / "media").as_posix()  # raises if outside media/
        assert RELPATH_RE.match(relpath), relpath


def test_q_last_returns_the_latest_upload(app: Flask, client, upload) -> None:
    raw = issue_token(app, "media")
    bearer = {"Authorization": f"Bearer {raw}"}
    assert client.get("/micropub/media?q=last", headers=bearer).json == {"url": None}
    upload(images.png())
    second = upload(images.webp())
    last = client.get("/micropub/media?q=last", headers=bearer)
    assert last.status_code == 200 and last.json == {"url": second.headers["Location"]}
    assert client.get("/micropub/media?q=other", headers=bearer).status_code == 400
    assert client.get("/micropub/media?q=last").status_code == 401
