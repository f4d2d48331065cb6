"""No input makes the Micropub endpoint answer 500 (hypothesis-generated requests)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from tests.micropub.conftest import Micropub

NAMES = ["h", "content", "name", "category", "photo", "published", "post-status", "mp-slug",
         "mp-syndicate-to", "action", "url", "in-reply-to", "like-of", "summary", "updated",
         "x-weight", "access_token", "replace", "add", "delete", "type", "properties"]
URLS = ["http://localhost/notes/x", "http://localhost/note/", "https://social.example/@owner",
        "javascript:alert(1)", "http://localhost:0/notes/a", "http://[::1/notes/a", ""]
TEXT = st.one_of(
    st.sampled_from(URLS + ["entry", "draft", "published", "2024-01-01", "update", "delete",
                            "0001-01-01T00:00:00+14:00", "9999-12-31T23:00:00-05:00"]),
    st.text(max_size=30),
)
#: Lone surrogates only travel in JSON (a form cannot encode them).
JSON_TEXT = TEXT | st.sampled_from(["\ud800", "https://x.example/\udfff"])
KEY = st.one_of(
    st.sampled_from(NAMES),
    st.builds(lambda n, s: n + s, st.sampled_from(NAMES),
              st.sampled_from(["[]", "[0]", "[9]", "[html]", "[value]", "[type]",
                               "[properties][num]", "[", "]", "[][]", "[a][]", "[²]"])),
    st.text(max_size=12),
)
JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), JSON_TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=8),
                                            inner, max_size=5)),
    max_leaves=20,
)
MF2 = st.fixed_dictionaries(
    {"type": st.one_of(st.just(["h-entry"]), JSON)},
    optional={"properties": st.dictionaries(st.sampled_from(NAMES), JSON, max_size=6)},
)
ACTION = st.fixed_dictionaries(
    {"action": st.one_of(st.sampled_from(["update", "delete", "undelete", "create"]), JSON)},
    optional={"url": st.one_of(st.sampled_from(URLS), JSON), "replace": JSON, "add": JSON,
              "delete": JSON},
)
_FAST = settings(max_examples=150, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow])


def _assert_clean(response: Any) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code >= 400:
        assert response.get_json()["error"] in {
            "invalid_request", "unauthorized", "insufficient_scope", "forbidden",
            "unsupported_media_type", "payload_too_large",
        }


@_FAST
@given(pairs=st.lists(st.tuples(KEY, TEXT), max_size=12))
def test_forms_never_500(mp: Micropub, pairs: list[tuple[str, str]]) -> None:
    _assert_clean(mp.form(MultiDict(pairs)))


@_FAST
@given(body=st.one_of(MF2, ACTION, JSON))
def test_json_never_500(mp: Micropub, body: Any) -> None:
    _assert_clean(mp.client.post("/micropub", data=json.dumps(body), headers=mp.headers,
                                 content_type="application/json"))


@_FAST
@given(args=st.lists(st.tuples(st.sampled_from(["q", "url", "properties[]", "limit", "after",
                                                "filter"]), TEXT), max_size=5),
       q=st.sampled_from(["config", "source", "syndicate-to", "category", "x"]))
def test_queries_never_500(mp: Micropub, args: list[tuple[str, str]], q: str) -> None:
    _assert_clean(mp.client.get("/micropub", query_string=[("q", q), *args],
                                headers=mp.headers))


@_FAST
@given(data=st.binary(max_size=200),
       content_type=st.sampled_from(["application/json", "application/x-www-form-urlencoded",
                                     "multipart/form-data; boundary=x", "multipart/form-data",
                                     "text/plain", ""]))
def test_raw_bodies_never_500(mp: Micropub, data: bytes, content_type: str) -> None:
    _assert_clean(mp.client.post("/micropub", data=data, headers={**mp.headers,
                                                                  "Content-Type": content_type}))
