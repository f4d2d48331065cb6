"""HTTP behaviour of the public pages: redirects, 404/410, drafts, caching, discovery."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask

from starpunk.database import get_db
from starpunk.notes import Note, create_note, delete_note
from tests.auth.helpers import login_owner
from tests.web.conftest import SITE, SITE_SETTINGS

PUBLIC_PAGES = ("/", "/tags/", "/search", "/search?q=hello")


def test_old_permalink_and_tag_forms_redirect(site: Flask, post: Callable[..., Note]) -> None:
    note = post("Hello", tags=["Misc"])
    client = site.test_client()
    resp = client.get(f"/note/{note.slug}")
    assert resp.status_code == 301 and resp.headers["Location"] == f"{SITE}notes/{note.slug}"
    resp = client.get("/tag/Misc")
    assert resp.status_code == 301 and resp.headers["Location"] == f"{SITE}tags/misc"
    resp = client.get("/tags/MISC?before=abc")
    assert resp.status_code == 301 and resp.headers["Location"] == f"{SITE}tags/misc?before=abc"


def test_unknown_post_is_404_and_deleted_post_is_410(site: Flask,
                                                     post: Callable[..., Note]) -> None:
    note = post("Soon gone")
    with site.app_context():
        delete_note(get_db(), site.config["DATA_PATH"], note.slug)
    client = site.test_client()
    assert client.get("/notes/never-was").status_code == 404
    resp = client.get(f"/notes/{note.slug}")
    assert resp.status_code == 410 and resp.mimetype == "text/html"
    assert client.get("/tags/none-such").status_code == 404


def test_drafts_are_only_for_the_owner(site: Flask, post: Callable[..., Note]) -> None:
    draft = post("Work in progress", status="draft")
    reader = site.test_client()
    assert reader.get(f"/notes/{draft.slug}").status_code == 404
    assert "Work in progress" not in reader.get("/").get_data(as_text=True)
    owner = site.test_client()
    login_owner(site, owner)
    resp = owner.get(f"/notes/{draft.slug}")
    assert resp.status_code == 200
    assert "only you can see this post" in resp.get_data(as_text=True)
    assert resp.headers["Cache-Control"] == "private, no-store" and "ETag" not in resp.headers
    # the owner's view never leaks into what readers get
    assert reader.get(f"/notes/{draft.slug}").status_code == 404


def test_strong_etag_and_304(site: Flask, post: Callable[..., Note]) -> None:
    note = post("Cache me")
    client = site.test_client()
    for path in (*PUBLIC_PAGES, f"/notes/{note.slug}", "/tags/"):
        resp = client.get(path)
        etag = resp.headers["ETag"]
        assert re.fullmatch(r'"[0-9a-f]{32}"', etag), path
        assert resp.headers["Cache-Control"].startswith("public, max-age=")
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b"", path
        since = client.get(path, headers={"If-Modified-Since": resp.headers["Last-Modified"]})
        assert since.status_code == 304, path
        assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_conditional_request_details(site: Flask, post: Callable[..., Note]) -> None:
    post("Validators")
    client = site.test_client()
    first = client.get("/")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    for headers in ({"If-None-Match": f"W/{etag}"}, {"If-None-Match": f'"x", {etag}'},
                    {"If-None-Match": "*"}):
        not_modified = client.get("/", headers=headers)
        assert not_modified.status_code == 304, headers
        assert not_modified.headers["ETag"] == etag and "Content-Type" not in not_modified.headers
        assert not_modified.data == b""
    # If-None-Match decides when present, even if the date would match
    stale = client.get("/", headers={"If-None-Match": '"old"', "If-Modified-Since": modified})
    assert stale.status_code == 200 and stale.data == first.data
    old = client.get("/", headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert old.status_code == 200
    assert client.get("/", headers={"If-Modified-Since": "garbage"}).status_code == 200


def test_a_change_in_another_worker_invalidates_the_cache(app_factory: Any, tmp_path: Any) -> None:
    data = tmp_path / "shared"
    worker_a = app_factory(DATA_PATH=data, **SITE_SETTINGS)
    worker_b = app_factory(DATA_PATH=data, **SITE_SETTINGS)
    client = worker_a.test_client()
    before = client.get("/")
    assert "Nothing published yet" in before.get_data(as_text=True)
    with worker_b.app_context():
        create_note(get_db(), data, content="Written by the other worker")
    after = client.get("/", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert "Written by the other worker" in after.get_data(as_text=True)


def test_discovery_links_in_html_and_link_header(site: Flask, post: Callable[..., Note]) -> None:
    note = post("Discover me")
    client = site.test_client()
    for path in ("/", f"/notes/{note.slug}"):
        resp = client.get(path)
        header = dict(
            (rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="([^"]+)"', resp.headers["Link"])
        )
        html = resp.get_data(as_text=True)
        for rel in ("micropub", "indieauth-metadata", "authorization_endpoint",
                    "token_endpoint"):
            assert header[rel].startswith(SITE), rel
            assert f'<link rel="{rel}" href="{header[rel]}">' in html
        for kind, path in (("application/rss+xml", "feed.rss"), ("application/atom+xml",
                           "feed.atom"), ("application/feed+json", "feed.json")):
            assert f'<{SITE}{path}>; rel="alternate"; type="{kind}"' in resp.headers["Link"]
            assert f'<link rel="alternate" href="{SITE}{path}" type="{kind}"' in html
        for url in header.values():
            # never advertise an endpoint that is not there
            path_only = url.removeprefix(SITE.rstrip("/"))
            assert client.get(path_only).status_code not in (404, 405), url


def test_discovery_is_not_advertised_for_a_missing_endpoint(site: Flask) -> None:
    from starpunk.web.discovery import ENDPOINTS

    with site.test_request_context():
        from starpunk.web.discovery import discovery_links

        advertised = {link.rel for link in discovery_links()}
    for rel, view in ENDPOINTS:
        assert (rel in advertised) == (view in site.view_functions), rel


def test_security_headers_on_public_pages(site: Flask, post: Callable[..., Note]) -> None:
    note = post("Headers")
    for path in ("/", f"/notes/{note.slug}", "/notes/missing"):
        resp = site.test_client().get(path)
        csp = resp.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Referrer-Policy"]
        assert "<script" not in resp.get_data(as_text=True)


def test_tag_page_advertises_its_feeds_in_the_link_header(site: Flask,
                                                          post: Callable[..., Note]) -> None:
    post("Tagged", tags=["Engines"])
    resp = site.test_client().get("/tags/engines")
    html = resp.get_data(as_text=True)
    for path in ("tags/engines/feed.rss", "tags/engines/feed.atom", "tags/engines/feed.json"):
        assert f"<{SITE}{path}>; rel=\"alternate\"" in ", ".join(resp.headers.getlist("Link"))
        assert f'href="{SITE}{path}"' in html, path


def test_unknown_query_parameters_share_the_cached_page(site: Flask,
                                                        post: Callable[..., Note]) -> None:
    post("Cached once")
    client = site.test_client()
    first = client.get("/")
    for junk in range(20):
        assert client.get(f"/?utm_source=x{junk}").headers["ETag"] == first.headers["ETag"]
    cache = site.extensions["starpunk.page_cache"]
    assert (cache.hits, cache.misses) == (20, 1)
