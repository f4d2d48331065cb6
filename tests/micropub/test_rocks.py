"""One test per micropub.rocks server test (ids 100–805), with the requests it sends.

Media endpoint tests (700–702) belong to the media store and live with it.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from tests.media.images import animated_gif, jpeg_with_gps, png
from tests.micropub.conftest import Micropub

SUNSET = "https://micropub.rocks/media/sunset.jpg"
CITY = "https://micropub.rocks/media/city-at-night.jpg"


def created(response: Any) -> str:
    assert response.status_code == 201, response.get_json()
    location = response.headers["Location"]
    assert location.startswith("http://localhost/notes/")
    return location


# --- 1xx: creating posts, form-encoded ------------------------------------------------------


def test_100_create_h_entry_form(mp: Micropub) -> None:
    url = created(mp.form("h=entry&content=Micropub+test+of+creating+a+basic+h-entry"))
    note = mp.note(url)
    assert note.content == "Micropub test of creating a basic h-entry"
    assert note.status == "published" and note.kind == "note"
    assert mp.file_text(url).endswith("\nMicropub test of creating a basic h-entry")


def test_101_create_with_category_array(mp: Micropub) -> None:
    url = created(mp.form([("h", "entry"), ("content", "two categories"),
                           ("category[]", "test1"), ("category[]", "test2")]))
    assert mp.note(url).tags == ["test1", "test2"]
    assert 'tags: ["test1", "test2"]' in mp.file_text(url)


def test_102_create_with_numbered_category_array(mp: Micropub) -> None:
    url = created(mp.form([("h", "entry"), ("content", "numbered"),
                           ("category[0]", "test1"), ("category[1]", "test2")]))
    assert mp.note(url).tags == ["test1", "test2"]


def test_103_create_with_html_content_form(mp: Micropub) -> None:
    html = "<p>This post has <b>bold</b> and <i>italic</i> text.</p>"
    url = created(mp.form({"h": "entry", "content[html]": html}))
    note = mp.note(url)
    assert "<b>bold</b>" in note.html and "<i>italic</i>" in note.html
    assert "&lt;b&gt;" not in note.html


def test_104_create_with_photo_url_form(mp: Micropub) -> None:
    url = created(mp.form({"h": "entry", "content": "photo by URL", "photo": SUNSET}))
    note = mp.note(url)
    assert note.properties["photo"] == [SUNSET] and note.kind == "photo"


def test_105_create_with_photo_and_alt_form(mp: Micropub) -> None:
    url = created(mp.form({"h": "entry", "content": "photo with alt", "photo[value]": SUNSET,
                           "photo[alt]": "Photo of a sunset"}))
    assert mp.note(url).properties["photo"] == [{"value": SUNSET, "alt": "Photo of a sunset"}]


def test_106_create_with_nested_object_form(mp: Micropub) -> None:
    url = created(mp.form({"h": "entry", "summary": "Weighed 70.64 kg",
                           "x-weight[type]": "h-measure",
                           "x-weight[properties][num]": "70.64",
                           "x-weight[properties][unit]": "kg"}))
    props = mp.note(url).properties
    assert props["summary"] == ["Weighed 70.64 kg"]
    assert props["x-weight"] == [
        {"type": ["h-measure"], "properties": {"num": ["70.64"], "unit": ["kg"]}}
    ]
    assert mp.file_properties(url)["x-weight"] == props["x-weight"]


def test_107_create_with_one_category_form(mp: Micropub) -> None:
    url = created(mp.form({"h": "entry", "content": "one category", "category": "test1"}))
    assert mp.note(url).tags == ["test1"]


# --- 2xx: creating posts, JSON -------------------------------------------------------------


def test_200_create_h_entry_json(mp: Micropub) -> None:
    url = created(mp.json({"type": ["h-entry"], "properties": {
        "content": ["Micropub test of creating an h-entry with a JSON request"]}}))
    assert mp.note(url).content == "Micropub test of creating an h-entry with a JSON request"


def test_201_create_with_categories_json(mp: Micropub) -> None:
    url = created(mp.json({"type": ["h-entry"], "properties": {
        "content": ["two categories"], "category": ["test1", "test2"]}}))
    assert mp.note(url).tags == ["test1", "test2"]


def test_202_create_with_html_content_json(mp: Micropub) -> None:
    html = "<p>This post has <b>bold</b> and <i>italic</i> text.</p>"
    url = created(mp.json({"type": ["h-entry"], "properties": {"content": [{"html": html}]}}))
    note = mp.note(url)
    assert "<b>bold</b>" in note.html and "<i>italic</i>" in note.html


def test_203_create_with_photo_url_json(mp: Micropub) -> None:
    url = created(mp.json({"type": ["h-entry"], "properties": {
        "content": ["photo"], "photo": [SUNSET]}}))
    assert mp.note(url).properties["photo"] == [SUNSET]


def test_204_create_with_nested_object_json(mp: Micropub) -> None:
    weight = {"type": ["h-measure"], "properties": {"num": ["70.64"], "unit": ["kg"]}}
    url = created(mp.json({"type": ["h-entry"], "properties": {
        "summary": ["Weighed 70.64 kg"], "x-weight": [weight]}}))
    assert mp.note(url).properties["x-weight"] == [weight]
    assert mp.file_properties(url)["x-weight"] == [weight]


def test_205_create_with_photo_and_alt_json(mp: Micropub) -> None:
    photo = {"value": SUNSET, "alt": "Photo of a sunset"}
    url = created(mp.json({"type": ["h-entry"], "properties": {
        "content": ["alt text"], "photo": [photo]}}))
    assert mp.note(url).properties["photo"] == [photo]


def test_206_create_with_two_photo_urls_json(mp: Micropub) -> None:
    url = created(mp.json({"type": ["h-entry"], "properties": {
        "content": ["two photos"], "photo": [SUNSET, CITY]}}))
    assert mp.note(url).properties["photo"] == [SUNSET, CITY]


# --- 3xx: multipart with files (stored through the media store) -----------------------------


def test_300_create_with_one_photo_file(mp: Micropub) -> None:
    data = {"h": "entry", "content": "Nice sunset tonight",
            "photo": (io.BytesIO(jpeg_with_gps()), "sunset.jpg", "image/jpeg")}
    url = created(mp.client.post("/micropub", data=data, headers=mp.headers,
                                 content_type="multipart/form-data"))
    photos = mp.note(url).properties["photo"]
    assert len(photos) == 1 and photos[0].startswith("http://localhost/media/")
    with mp.client.get(photos[0].removeprefix("http://localhost")) as served:
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        assert b"GPS" not in served.data


def test_301_create_with_two_photo_files(mp: Micropub) -> None:
    data = {"h": "entry", "content": "Two photos",
            "photo[]": [(io.BytesIO(jpeg_with_gps()), "sunset.jpg", "image/jpeg"),
                        (io.BytesIO(png()), "city.png", "image/png")]}
    url = created(mp.client.post("/micropub", data=data, headers=mp.headers,
                                 content_type="multipart/form-data"))
    assert len(mp.note(url).properties["photo"]) == 2


def test_photo_file_that_is_not_an_image_is_refused(mp: Micropub) -> None:
    data = {"h": "entry", "content": "Fake",
            "photo": (io.BytesIO(b"<html><script>alert(1)</script>"), "x.jpg", "image/jpeg")}
    resp = mp.client.post("/micropub", data=data, headers=mp.headers,
                          content_type="multipart/form-data")
    assert resp.status_code == 400 and resp.get_json()["error"] == "invalid_request"


# --- 4xx: updates ---------------------------------------------------------------------------


def update(mp: Micropub, url: str, **ops: Any) -> Any:
    response = mp.json({"action": "update", "url": url, **ops})
    assert response.status_code in (200, 204), response.get_json()
    return mp.note(url)


def test_400_replace_a_property(mp: Micropub) -> None:
    url = mp.create({"content": ["This text should be replaced if the test succeeds."]})
    note = update(mp, url, replace={"content": ["This is the updated text."]})
    assert note.content == "This is the updated text." and note.updated is not None
    assert mp.file_text(url).endswith("\nThis is the updated text.")


def test_401_add_a_value_to_a_property(mp: Micropub) -> None:
    url = mp.create({"content": ["adding"], "category": ["test1"]})
    assert update(mp, url, add={"category": ["test2"]}).tags == ["test1", "test2"]


def test_402_add_a_value_to_a_missing_property(mp: Micropub) -> None:
    url = mp.create({"content": ["no category yet"]})
    assert update(mp, url, add={"category": ["test1"]}).tags == ["test1"]


def test_403_remove_a_value_from_a_property(mp: Micropub) -> None:
    url = mp.create({"content": ["deleting a value"], "category": ["test1", "test2"]})
    assert update(mp, url, delete={"category": ["test2"]}).tags == ["test1"]


def test_404_remove_a_property(mp: Micropub) -> None:
    url = mp.create({"content": ["deleting a property"], "category": ["test1", "test2"]})
    assert update(mp, url, delete=["category"]).tags == []
    assert "category" not in mp.source(url)


def test_405_reject_a_replace_that_is_not_an_object(mp: Micropub) -> None:
    url = mp.create({"content": ["Micropub update test #405."]})
    response = mp.json({"action": "update", "url": url,
                        "replace": "This is not a valid update request."})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
    assert mp.note(url).content == "Micropub update test #405." and mp.note(url).updated is None


# --- 5xx: delete and undelete ---------------------------------------------------------------


def test_500_delete_form(mp: Micropub) -> None:
    url = created(mp.form({"h": "entry", "content": "This post will be deleted."}))
    response = mp.form({"action": "delete", "url": url})
    assert response.status_code in (200, 204)
    assert mp.note(url).is_deleted
    assert "deleted_at: \"" in mp.file_text(url)


def test_501_delete_json(mp: Micropub) -> None:
    url = mp.create({"content": ["This post will be deleted."]})
    assert mp.json({"action": "delete", "url": url}).status_code in (200, 204)
    assert mp.note(url).is_deleted


def test_502_undelete_form(mp: Micropub) -> None:
    url = created(mp.form({"h": "entry", "content": "deleted, then restored"}))
    assert mp.form({"action": "delete", "url": url}).status_code == 204
    assert mp.form({"action": "undelete", "url": url}).status_code == 204
    assert not mp.note(url).is_deleted and "deleted_at: null" in mp.file_text(url)


def test_503_undelete_json(mp: Micropub) -> None:
    url = mp.create({"content": ["deleted, then restored"]})
    assert mp.json({"action": "delete", "url": url}).status_code == 204
    assert mp.json({"action": "undelete", "url": url}).status_code == 204
    assert not mp.note(url).is_deleted


# --- 6xx: queries ---------------------------------------------------------------------------


def test_600_configuration_query(mp: Micropub) -> None:
    response = mp.query(q="config")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert isinstance(body, dict)
    assert body["syndicate-to"] == [{"uid": "https://social.example/@owner", "name": "Social"}]
    assert set(body["q"]) == {"config", "source", "syndicate-to", "category"}


def test_601_syndication_target_query(mp: Micropub) -> None:
    response = mp.query(q="syndicate-to")
    assert response.status_code == 200
    assert response.get_json() == {
        "syndicate-to": [{"uid": "https://social.example/@owner", "name": "Social"}]
    }


def test_602_source_query_all_properties(mp: Micropub) -> None:
    url = mp.create({"content": ["Test of querying the endpoint for the source content"],
                     "category": ["micropub", "test"]})
    body = mp.query(q="source", url=url).get_json()
    assert body["type"] == ["h-entry"]
    props = body["properties"]
    assert props["content"] == ["Test of querying the endpoint for the source content"]
    assert props["category"] == ["micropub", "test"]
    assert props["post-status"] == ["published"] and props["published"][0].endswith("Z")


def test_603_source_query_specific_properties(mp: Micropub) -> None:
    url = mp.create({"content": ["Test of querying the endpoint for the source content"],
                     "category": ["micropub", "test"], "summary": ["not asked for"]})
    response = mp.client.get(
        "/micropub", headers=mp.headers,
        query_string=[("q", "source"), ("properties[]", "content"),
                      ("properties[]", "category"), ("url", url)],
    )
    assert response.status_code == 200
    assert response.get_json() == {"properties": {
        "content": ["Test of querying the endpoint for the source content"],
        "category": ["micropub", "test"],
    }}


# --- 8xx: authentication --------------------------------------------------------------------


def test_800_token_in_authorization_header(mp: Micropub) -> None:
    created(mp.form({"h": "entry", "content": "Testing accepting access token in HTTP header"}))


def test_801_token_in_post_body(mp: Micropub, token: str) -> None:
    response = mp.form({"h": "entry", "content": "token in body", "access_token": token},
                       headers={})
    created(response)


def test_802_token_is_not_stored(mp: Micropub, token: str) -> None:
    url = created(mp.form({"h": "entry", "content": "Testing accepting access token in post body",
                           "access_token": token}, headers={}))
    props = mp.source(url)
    assert props["content"] == ["Testing accepting access token in post body"]
    assert "access_token" not in props
    assert token not in mp.file_text(url)


def test_803_unauthenticated_request_is_refused(mp: Micropub) -> None:
    response = mp.form({"h": "entry", "content": "This should not create a post."}, headers={})
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert mp.query(q="source").get_json()["items"] == []


def test_804_token_without_create_scope(mp: Micropub, make_token: Any) -> None:
    weak = make_token("update profile")
    response = mp.form({"h": "entry", "content": "This should not create a post."},
                       headers={"Authorization": f"Bearer {weak}"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "insufficient_scope"
    assert 'scope="create"' in response.headers["WWW-Authenticate"]


def test_805_token_in_header_and_body(mp: Micropub, token: str) -> None:
    response = mp.form({"h": "entry", "content": "This should not create a post",
                        "access_token": token})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
    assert mp.query(q="source").get_json()["items"] == []


# --- 7xx: the media endpoint ------------------------------------------------------------------


@pytest.mark.parametrize(("test_id", "data", "name", "stored_type"), [
    ("700", jpeg_with_gps, "photo.jpg", "image/jpeg"),
    ("701", png, "photo.png", "image/png"),
    ("702", animated_gif, "photo.gif", "image/gif"),
])
def test_70x_upload_to_the_media_endpoint(mp: Micropub, test_id: str, data: Any, name: str,
                                          stored_type: str) -> None:
    config = mp.query(q="config").get_json()
    endpoint = config["media-endpoint"].removeprefix("http://localhost")
    resp = mp.client.post(endpoint, headers=mp.headers, content_type="multipart/form-data",
                          data={"file": (io.BytesIO(data()), name, "application/octet-stream")})
    assert resp.status_code == 201, (test_id, resp.get_json())
    location = resp.headers["Location"]
    assert location.startswith("http://localhost/media/")
    with mp.client.get(location.removeprefix("http://localhost")) as served:
        assert served.status_code == 200 and served.mimetype == stored_type
