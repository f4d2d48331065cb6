"""The search page and /api/search: escaping, drafts for the owner only, bad queries."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from starpunk.notes import Note
from tests.auth.helpers import login_owner


def test_search_page_highlights_escaped_snippets(site: Flask, post: Callable[..., Note]) -> None:
    post("Steam engines & <b>gears</b> are lovely")
    html = site.test_client().get("/search?q=engines").get_data(as_text=True)
    assert "1 result for" in html
    assert "<mark>engines</mark>" in html
    assert "&lt;b&gt;gears&lt;/b&gt;" in html and "<b>gears</b>" not in html


def test_search_pages_through_results(site: Flask, post: Callable[..., Note]) -> None:
    for i in range(12):
        post(f"Engine log {i}")
    client = site.test_client()
    first = client.get("/search?q=engine").get_data(as_text=True)
    assert "12 results" in first and 'rel="next" href="/search?q=engine&amp;page=2"' in first
    third = client.get("/search?q=engine&page=3").get_data(as_text=True)
    assert third.count("<li>") == 2 and 'rel="next"' not in third and 'rel="prev"' in third


def test_drafts_are_found_only_by_the_owner(site: Flask, post: Callable[..., Note]) -> None:
    post("Secret engine plans", status="draft")
    reader = site.test_client()
    assert "0 results" in reader.get("/search?q=secret").get_data(as_text=True)
    assert reader.get("/api/search?q=secret").get_json()["total"] == 0
    owner = site.test_client()
    login_owner(site, owner)
    resp = owner.get("/search?q=secret")
    assert "1 result" in resp.get_data(as_text=True) and resp.headers["Cache-Control"] == (
        "private, no-store")
    api = owner.get("/api/search?q=secret").get_json()
    assert api["total"] == 1 and api["items"][0]["status"] == "draft"
    # a reader asking again after the owner still gets the public answer
    assert "0 results" in reader.get("/search?q=secret").get_data(as_text=True)


@pytest.mark.parametrize("query", ["x", " ", "y" * 201])
def test_bad_queries_get_400_never_500(site: Flask, query: str) -> None:
    client = site.test_client()
    page = client.get("/search", query_string={"q": query})
    if query.strip():
        assert page.status_code == 400 and "between 2 and 200 characters" in page.get_data(True)
    else:
        assert page.status_code == 200
    api = client.get("/api/search", query_string={"q": query})
    assert api.status_code == 400 and api.get_json()["error"] == "invalid_request"


@pytest.mark.parametrize("query", ['"', "AND OR NOT", "NEAR(a b)", "**", "title:x", "a*", "-- '"])
def test_operator_queries_are_plain_text(site: Flask, post: Callable[..., Note],
                                         query: str) -> None:
    post("A note about AND and OR")
    client = site.test_client()
    for path in ("/search", "/api/search"):
        resp = client.get(path, query_string={"q": query})
        assert resp.status_code in (200, 400), (path, query, resp.status_code)


def test_api_search_shape_and_paging(site: Flask, post: Callable[..., Note]) -> None:
    for i in range(3):
        post(f"Boiler report {i}", tags=["boilers"])
    client = site.test_client()
    body = client.get("/api/search?q=boiler&limit=2&offset=0").get_json()
    assert body["total"] == 3 and len(body["items"]) == 2
    item = body["items"][0]
    assert item["url"].startswith("http://example.test/notes/") and item["tags"] == ["boilers"]
    assert client.get("/api/search?q=boiler&limit=2&offset=2").get_json()["items"][0]["slug"]
    bad = client.get("/api/search?q=boiler&limit=abc")
    assert bad.status_code == 400 and bad.get_json()["error"] == "invalid_request"
    assert client.get("/api/search?q=boiler&limit=1000").status_code == 400
