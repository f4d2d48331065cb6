"""The Micropub endpoint beyond micropub.rocks: round trips, atomic updates, scopes, errors."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from starpunk.database import get_db
from starpunk.micropub.urls import post_url, slug_from_url
from tests.micropub.conftest import TARGET, Micropub

PHOTO = "https://example.com/sunset.jpg"


def test_form_json_and_source_round_trip(mp: Micropub) -> None:
    form_url = mp.form([
        ("h", "entry"), ("name", "A title"), ("content", "Some *text*"), ("category[]", "One"),
        ("category[]", "two"), ("photo[]", PHOTO), ("in-reply-to", "https://other.example/p"),
        ("summary", "short"), ("syndication", "https://social.example/@owner/1"),
        ("published", "2024-05-06T07:08:09+02:00"), ("mp-syndicate-to", TARGET),
        ("x-anything[deep][er]", "kept"),
    ]).headers["Location"]
    source = mp.source(form_url)
    assert source == {
        "name": ["A title"], "content": ["Some *text*"], "photo": [PHOTO],
        "in-reply-to": ["https://other.example/p"], "summary": ["short"],
        "syndication": ["https://social.example/@owner/1"], "mp-syndicate-to": [TARGET],
        "x-anything": [{"deep": {"er": "kept"}}], "category": ["one", "two"],
        "published": ["2024-05-06T05:08:09Z"], "post-status": ["published"],
    }
    note = mp.note(form_url)
    assert note.kind == "reply" and "/2024/05/" in note.path
    json_url = mp.create({k: v for k, v in source.items() if k != "published"}
                         | {"published": source["published"]})
    assert mp.source(json_url) == source


def test_mp_slug_draft_status_and_location(mp: Micropub) -> None:
    url = mp.create({"content": ["x"], "mp-slug": ["My Slug!"], "post-status": ["draft"]})
    assert url == "http://localhost/notes/my-slug"
    assert mp.note(url).status == "draft"
    taken = mp.json({"type": ["h-entry"], "properties": {"content": ["y"], "mp-slug": ["my-slug"]}})
    assert taken.status_code == 400 and "already in use" in taken.get_json()["error_description"]


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        ({"content": ["a", "b"]}, "takes one value"),
        ({"content": [{"nope": 1}]}, "content must be text"),
        ({"content": ["x"], "post-status": ["secret"]}, "post-status"),
        ({"content": ["x"], "published": ["yesterday"]}, "not ISO 8601"),
        ({"content": ["x"], "photo": ["javascript:alert(1)"]}, "http(s) URLs"),
        ({"content": ["x"], "like-of": [{"value": "ftp://x/"}]}, "http(s) URLs"),
        ({"content": ["x"], "category": [{"type": ["h-card"]}]}, "Categories must be text"),
        ({"content": ["x"], "updated": ["2020-01-01T00:00:00Z"]}, "set by the server"),
        ({"content": ["x"], "mp-syndicate-to": ["https://elsewhere.example/"]},
         "not a syndication target"),
        ({"content": ["x"], "bad name!": ["v"]}, "not a valid property name"),
        ({"content": ["x"], "summary": [None]}, "strings or objects"),
        ({"content": ["x"], "access_token": ["secret"]}, "Authorization header"),
        ({}, "A post needs content"),
    ],
)
def test_invalid_creates_are_400_and_store_nothing(
    mp: Micropub, properties: dict, message: str
) -> None:
    response = mp.json({"type": ["h-entry"], "properties": properties})
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "invalid_request" and message in body["error_description"]
    assert mp.query(q="source").get_json()["items"] == []


def test_only_h_entry_is_created(mp: Micropub) -> None:
    for response in (mp.form({"h": "event", "name": "Party"}),
                     mp.json({"type": ["h-card"], "properties": {"name": ["Me"]}})):
        assert response.status_code == 400
        assert "Only h-entry" in response.get_json()["error_description"]


def test_update_is_all_or_nothing(mp: Micropub) -> None:
    url = mp.create({"content": ["original"], "category": ["keep"]})
    before = mp.file_text(url)
    for update in (
        {"replace": {"content": ["changed"]}, "add": {"photo": ["not a url"]}},
        {"replace": {"content": ["changed"]}, "add": {"content": ["second"]}},
        {"replace": {"content": ["changed"], "published": ["2001-01-01T00:00:00Z"]}},
        {"replace": {"content": ["changed"]}, "delete": "category"},
        {"add": {"mp-slug": ["new"]}},
        {"delete": ["content", "category"]},
    ):
        response = mp.json({"action": "update", "url": url, **update})
        assert response.status_code == 400, update
        assert response.get_json()["error"] == "invalid_request"
    assert mp.file_text(url) == before and mp.note(url).updated is None


def test_update_several_operations_and_publish_a_draft(mp: Micropub) -> None:
    url = mp.create({"content": ["draft text"], "post-status": ["draft"], "photo": [PHOTO]})
    response = mp.json({"action": "update", "url": url,
                        "replace": {"content": ["final"], "post-status": ["published"]},
                        "add": {"category": ["new"], "syndication": ["https://s.example/1"]},
                        "delete": {"photo": [PHOTO]}})
    assert response.status_code == 204
    source = mp.source(url)
    assert source["content"] == ["final"] and source["post-status"] == ["published"]
    assert source["category"] == ["new"] and "photo" not in source
    assert "updated" not in source  # publishing a draft stamps published instead
    assert mp.file_properties(url) == {"syndication": ["https://s.example/1"]}


def test_actions_on_unknown_foreign_and_deleted_posts(mp: Micropub) -> None:
    for url in ("http://localhost/notes/nope", "https://evil.example/notes/x",
                "http://localhost/tags/x", "http://localhost:99999/notes/x", "not a url"):
        for body in ({"action": "delete", "url": url},
                     {"action": "update", "url": url, "replace": {"content": ["x"]}}):
            response = mp.json(body)
            assert response.status_code == 400 and response.get_json()["error"] == "invalid_request"
    url = mp.create({"content": ["soon gone"]})
    mp.json({"action": "delete", "url": url})
    response = mp.json({"action": "update", "url": url, "replace": {"content": ["x"]}})
    assert response.status_code == 400 and "undelete it first" in response.get_json()[
        "error_description"]
    assert mp.query(q="source", url=url).status_code == 400
    assert mp.json({"action": "delete", "url": url}).status_code == 204  # already deleted


def test_permalinks_map_back_to_slugs(app: Flask) -> None:
    with app.test_request_context():
        assert post_url("a-b") == "http://localhost/notes/a-b"
        for url in ("http://localhost/notes/a-b", "http://localhost/note/a-b/",
                    "HTTP://LOCALHOST:80/notes/a-b?x=1"):
            assert slug_from_url(url) == "a-b"


def test_scopes_per_action(mp: Micropub, make_token: Any) -> None:
    url = mp.create({"content": ["x"]})
    only = {scope: {"Authorization": f"Bearer {make_token(scope)}"}
            for scope in ("create", "update", "delete", "undelete")}
    cases = [
        ({"action": "update", "url": url, "replace": {"content": ["y"]}}, "update"),
        ({"action": "delete", "url": url}, "delete"),
        ({"action": "undelete", "url": url}, "undelete"),
    ]
    for body, needed in cases:
        for scope, headers in only.items():
            response = mp.json(body, headers=headers)
            if scope == needed:
                assert response.status_code == 204
            else:
                assert response.status_code == 401
                assert response.get_json()["error"] == "insufficient_scope"


def test_draft_scope_only_creates_drafts(mp: Micropub, make_token: Any) -> None:
    headers = {"Authorization": f"Bearer {make_token('draft')}"}
    response = mp.json({"type": ["h-entry"], "properties": {
        "content": ["x"], "post-status": ["published"]}}, headers=headers)
    assert response.status_code == 201
    assert mp.note(response.headers["Location"]).status == "draft"


@pytest.mark.parametrize(
    ("headers", "status", "error"),
    [
        ({}, 401, "unauthorized"),
        ({"Authorization": "Basic abc"}, 401, "unauthorized"),
        ({"Authorization": "Bearer "}, 401, "unauthorized"),
        ({"Authorization": "Bearer not-a-real-token"}, 401, "unauthorized"),
    ],
)
def test_bad_credentials(mp: Micropub, headers: dict, status: int, error: str) -> None:
    for response in (mp.client.get("/micropub?q=config", headers=headers),
                     mp.json({"type": ["h-entry"], "properties": {"content": ["x"]}},
                             headers=headers or {"X": "y"})):
        assert response.status_code == status and response.get_json()["error"] == error
        assert "WWW-Authenticate" in response.headers


def test_revoked_token_is_refused(mp: Micropub, app: Flask, token: str) -> None:
    from starpunk.database import get_db
    from starpunk.indieauth.tokens import revoke_token

    with app.app_context():
        revoke_token(get_db(), token)
    assert mp.query(q="config").status_code == 401


def test_two_body_tokens_are_refused(mp: Micropub, token: str) -> None:
    response = mp.form([("h", "entry"), ("content", "x"), ("access_token", token),
                        ("access_token", token)], headers={})
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_request"


def test_content_types_sizes_and_methods(mp: Micropub, app_factory: Any, make_token: Any) -> None:
    response = mp.client.post("/micropub", data="<entry/>", headers=mp.headers,
                              content_type="application/xml")
    assert response.status_code == 415 and response.get_json()["error"] == "unsupported_media_type"
    response = mp.client.post("/micropub", data="{", headers=mp.headers,
                              content_type="application/json")
    assert response.status_code == 400 and "not valid JSON" in response.get_json()[
        "error_description"]
    response = mp.client.put("/micropub", headers=mp.headers)
    assert response.status_code == 405 and response.get_json()["error"] == "method_not_allowed"
    response = mp.json({"action": "explode", "url": "http://localhost/notes/x"})
    assert response.status_code == 400 and "Unknown action" in response.get_json()[
        "error_description"]
    big = mp.client.post("/micropub", headers=mp.headers, content_type="application/json",
                         data=b'{"x": "' + b"a" * (60 * 1024 * 1024) + b'"}')
    assert big.status_code == 413 and big.get_json()["error"] == "payload_too_large"


def test_multipart_without_files_is_a_form(mp: Micropub) -> None:
    response = mp.client.post("/micropub", headers=mp.headers, content_type="multipart/form-data",
                              data={"h": "entry", "content": "multipart text",
                                    "category[]": ["a", "b"]})
    assert response.status_code == 201
    assert mp.note(response.headers["Location"]).tags == ["a", "b"]


def test_a_broken_photo_file_creates_nothing(mp: Micropub) -> None:
    response = mp.client.post(
        "/micropub", headers=mp.headers, content_type="multipart/form-data",
        data={"h": "entry", "content": "x",
              "photo": (io.BytesIO(b"\xff\xd8\xff"), "a.jpg", "image/jpeg")},
    )
    assert response.status_code == 400
    assert "not an image we accept" in response.get_json()["error_description"]
    assert mp.query(q="source").get_json()["items"] == []


@pytest.mark.parametrize("scope", ["media update", "update delete"])
def test_photo_files_need_a_create_scope_before_anything_is_stored(
        mp: Micropub, make_token: Callable[[str], str], scope: str) -> None:
    from tests.media.images import png

    response = mp.client.post(
        "/micropub", headers={"Authorization": f"Bearer {make_token(scope)}"},
        content_type="multipart/form-data",
        data={"h": "entry", "content": "x", "photo": (io.BytesIO(png()), "a.png", "image/png")},
    )
    assert response.status_code == 401
    assert response.get_json()["error"] == "insufficient_scope"
    with mp.app.app_context():
        assert get_db().execute("SELECT COUNT(*) FROM media").fetchone()[0] == 0
    media_dir = Path(mp.app.config["DATA_PATH"]) / "media"
    assert not media_dir.exists() or not any(p.is_file() for p in media_dir.rglob("*"))


def test_queries(mp: Micropub) -> None:
    assert mp.query().status_code == 400
    unknown = mp.query(q="everything")
    assert unknown.status_code == 400 and "Unknown query" in unknown.get_json()["error_description"]
    config = mp.query(q="config").get_json()
    assert config["media-endpoint"] == "http://localhost/micropub/media"
    assert {"type": "reply", "name": "Reply"} in config["post-types"]
    mp.create({"content": ["a"], "category": ["IndieWeb", "cats"]})
    mp.create({"content": ["b"], "category": ["indie"], "post-status": ["draft"]})
    assert mp.query(q="category").get_json() == {"categories": ["cats", "indieweb"]}
    assert mp.query(q="category", filter="INDIE").get_json() == {"categories": ["indieweb"]}


def test_source_list_pages_newest_first(mp: Micropub) -> None:
    urls = [mp.create({"content": [f"post {i}"],
                       "published": [f"2024-01-0{i + 1}T00:00:00Z"]}) for i in range(5)]
    mp.json({"action": "delete", "url": urls[0]})
    first = mp.query(q="source", limit=3).get_json()
    assert [item["properties"]["url"][0] for item in first["items"]] == urls[:0:-1][:3]
    second = mp.query(q="source", limit=3, after=first["paging"]["after"]).get_json()
    assert [item["properties"]["url"][0] for item in second["items"]] == [urls[1]]
    assert "paging" not in second
    picked = mp.client.get("/micropub", headers=mp.headers, query_string=[
        ("q", "source"), ("properties[]", "content"), ("limit", "1")]).get_json()
    assert picked["items"][0]["properties"] == {"content": ["post 4"], "url": [urls[4]]}
    for bad in ({"limit": "0"}, {"limit": "x"}, {"limit": "²"}, {"after": "garbage"}):
        assert mp.query(q="source", **bad).status_code == 400


def test_syndicate_to_setting_is_validated(tmp_path: Any) -> None:
    from starpunk.config import load_config
    from starpunk.errors import StartupError
    from starpunk.micropub.targets import parse_targets

    assert parse_targets("A=https://a.example/, https://b.example/x?y=z") == [
        {"uid": "https://a.example/", "name": "A"},
        {"uid": "https://b.example/x?y=z", "name": "b.example/x"},
    ]
    with pytest.raises(StartupError, match="SYNDICATE_TO="):
        load_config({"DATA_PATH": str(tmp_path), "SYNDICATE_TO": "Mastodon"}, env={})
    with pytest.raises(ValueError, match="twice"):
        parse_targets("https://a.example/,https://a.example/")


def test_external_identity_tokens(app_factory: Any, httpserver: Any) -> None:
    from starpunk.indieauth import external
    from tests.indieauth.test_external import FakeProvider

    provider = FakeProvider(httpserver)
    provider.install()
    external.clear_caches()
    app = app_factory(ADMIN_ME=provider.me, FETCH_ALLOW_PRIVATE=True)
    client = app.test_client()
    try:
        provider.token_answer = (200, {"me": provider.me, "scope": "create"})
        response = client.post("/micropub", data={"h": "entry", "content": "from afar"},
                               headers={"Authorization": "Bearer remote"})
        assert response.status_code == 201
        provider.token_answer = (401, {"error": "invalid_token"})
        response = client.post("/micropub", data={"h": "entry", "access_token": "other"})
        assert response.status_code == 401
    finally:
        external.clear_caches()
