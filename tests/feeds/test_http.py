"""Negotiation, conditional requests, invalidation, per-tag feeds, OPML and discovery."""

from __future__ import annotations

import json
from email.utils import parsedate_to_datetime
from typing import Any

import feedparser
import lxml.etree as etree
import lxml.html
import pytest
from flask import Flask
from flask.testing import FlaskClient

from starpunk.feeds.views import EXTENSION
from tests.feeds.conftest import SITE, SITE_SETTINGS, Posts

RSS, ATOM, JSONFEED = "application/rss+xml", "application/atom+xml", "application/feed+json"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, RSS),
        ("", RSS),
        ("*/*", RSS),
        ("application/*", RSS),
        (RSS, RSS),
        (ATOM, ATOM),
        (JSONFEED, JSONFEED),
        ("application/json", JSONFEED),
        ("application/xml", RSS),
        ("text/xml", RSS),
        (f"{RSS};q=0.5, {ATOM}", ATOM),
        (f"{ATOM};q=0.2, {JSONFEED};q=0.9, */*;q=0.1", JSONFEED),
        (f"{ATOM};q=0, */*", RSS),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", RSS),
        ("text/html", None),
        ("image/png, text/plain", None),
        (f"{RSS};q=0", None),
    ],
)
def test_negotiation_table(reader: FlaskClient, accept: str | None, expected: str | None) -> None:
    headers = {} if accept is None else {"Accept": accept}
    response = reader.get("/feed", headers=headers)
    assert "Accept" in response.headers.get("Vary", "")
    if expected is None:
        assert response.status_code == 406
        text = response.get_data(as_text=True)
        for url in ("feed.rss", "feed.atom", "feed.json"):
            assert f"{SITE}{url}" in text
        return
    assert response.status_code == 200
    assert response.mimetype == expected
    fmt = {RSS: "rss", ATOM: "atom", JSONFEED: "json"}[expected]
    assert response.headers["Content-Location"] == f"{SITE}feed.{fmt}"
    assert response.data == reader.get(f"/feed.{fmt}").data


def test_feed_xml_is_rss_with_its_own_self_link(reader: FlaskClient) -> None:
    response = reader.get("/feed.xml")
    assert response.mimetype == RSS
    root = etree.fromstring(response.data)
    link = root.find("channel/{http://www.w3.org/2005/Atom}link")
    assert link.get("href") == f"{SITE}feed.xml"


@pytest.mark.parametrize("path", ["/feed.rss", "/feed.atom", "/feed.json", "/opml.xml"])
def test_validators_and_304(reader: FlaskClient, posts: Posts, path: str) -> None:
    posts.create("Something", tags=["x"])
    first = reader.get(path)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and not etag.startswith("W/")
    assert first.headers["Cache-Control"] == "public, max-age=300"
    last_modified = first.headers["Last-Modified"]

    again = reader.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    since = reader.get(path, headers={"If-Modified-Since": last_modified})
    assert since.status_code == 304
    other = reader.get(path, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data == first.data
    head = reader.head(path)
    assert head.status_code == 200 and head.headers["ETag"] == etag


def test_cache_control_follows_the_setting(app_factory: Any) -> None:
    app = app_factory(SITE_URL=SITE, FEED_CACHE_SECONDS=0)
    assert app.test_client().get("/feed.atom").headers["Cache-Control"] == "public, no-cache"


@pytest.mark.parametrize("change", ["create", "update", "delete", "undelete"])
def test_every_change_shows_at_once(reader: FlaskClient, posts: Posts, change: str) -> None:
    post = posts.create("The original text")
    if change == "undelete":
        posts.delete(post.slug)
    before = reader.get("/feed.atom")
    if change == "create":
        posts.create("A second post")
    elif change == "update":
        posts.update(post.slug, content="The edited text")
    elif change == "delete":
        posts.delete(post.slug)
    else:
        posts.undelete(post.slug)
    after = reader.get("/feed.atom", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    entries = feedparser.parse(after.data).entries
    expected = {"create": 2, "update": 1, "delete": 0, "undelete": 1}[change]
    assert len(entries) == expected
    if change == "update":
        assert "The edited text" in entries[0].content[0].value
    # Last-Modified moves forward on every change (undelete included).
    assert parsedate_to_datetime(after.headers["Last-Modified"]) >= parsedate_to_datetime(
        before.headers["Last-Modified"]
    )


def test_rendered_once_per_change(site: Flask, reader: FlaskClient, posts: Posts) -> None:
    cache = site.extensions[EXTENSION]
    posts.create("One")
    for _ in range(3):
        reader.get("/feed.rss")
    assert cache.builds == 1
    for _ in range(3):
        reader.get("/feed")  # the negotiated RSS shares the /feed.rss rendering
    assert cache.builds == 1
    posts.create("Two")
    for _ in range(3):
        reader.get("/feed.rss")
    assert cache.builds == 2


def test_a_change_in_another_worker_shows_at_once(app_factory: Any, site: Flask) -> None:
    """Two apps on one data directory stand for two gunicorn workers."""
    writer = app_factory(**SITE_SETTINGS)
    reader = site.test_client()
    assert feedparser.parse(reader.get("/feed.rss").data).entries == []
    Posts(writer).create("Written by the other worker")
    entries = feedparser.parse(reader.get("/feed.rss").data).entries
    assert len(entries) == 1


def test_tag_feeds(reader: FlaskClient, posts: Posts) -> None:
    tagged = posts.create("About engines", tags=["engines"])
    posts.create("About nothing", tags=["other"])
    for fmt, mimetype in (("rss", RSS), ("atom", ATOM)):
        response = reader.get(f"/tags/engines/feed.{fmt}")
        assert response.mimetype == mimetype
        parsed = feedparser.parse(response.data)
        assert parsed.bozo == 0
        assert [entry.link for entry in parsed.entries] == [f"{SITE}notes/{tagged.slug}"]
        assert parsed.feed.link == f"{SITE}tags/engines"
    document = json.loads(reader.get("/tags/engines/feed.json").data)
    assert document["feed_url"] == f"{SITE}tags/engines/feed.json"
    assert [item["url"] for item in document["items"]] == [f"{SITE}notes/{tagged.slug}"]
    negotiated = reader.get("/tags/engines/feed", headers={"Accept": ATOM})
    assert negotiated.mimetype == ATOM and "Accept" in negotiated.headers["Vary"]
    assert reader.get("/tags/engines/feed", headers={"Accept": "text/html"}).status_code == 406


def test_tag_feed_spellings_and_unknown_tags(reader: FlaskClient, posts: Posts) -> None:
    posts.create("About engines", tags=["engines"])
    moved = reader.get("/tags/Engines/feed.atom")
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"{SITE}tags/engines/feed.atom"
    assert reader.get("/tags/nothing/feed.rss").status_code == 404
    posts.create("Draft only", tags=["secret"], status="draft")
    assert reader.get("/tags/secret/feed.json").status_code == 404


def test_opml_lists_every_feed(reader: FlaskClient, posts: Posts) -> None:
    posts.create("Tagged", tags=["engines", "math"])
    response = reader.get("/opml.xml")
    assert response.mimetype == "text/x-opml"
    root = etree.fromstring(response.data)
    assert root.get("version") == "2.0"
    urls = [outline.get("xmlUrl") for outline in root.iter("outline") if outline.get("xmlUrl")]
    assert urls == [
        f"{SITE}feed.rss",
        f"{SITE}feed.atom",
        f"{SITE}feed.json",
        f"{SITE}tags/engines/feed.rss",
        f"{SITE}tags/math/feed.rss",
    ]


def _head_links(html: bytes) -> list[tuple[str, str | None, str]]:
    doc = lxml.html.fromstring(html)
    return [(el.get("rel"), el.get("type"), el.get("href")) for el in doc.iter("link")]


def test_pages_advertise_the_feeds(reader: FlaskClient, posts: Posts) -> None:
    post = posts.create("About engines", tags=["engines"])
    site_feeds = [
        ("alternate", RSS, f"{SITE}feed.rss"),
        ("alternate", ATOM, f"{SITE}feed.atom"),
        ("alternate", JSONFEED, f"{SITE}feed.json"),
    ]
    for path in ("/", f"/notes/{post.slug}", "/tags/engines"):
        links = _head_links(reader.get(path).data)
        for link in site_feeds:
            assert link in links, (path, link)
    tag_links = _head_links(reader.get("/tags/engines").data)
    for fmt, mimetype in (("rss", RSS), ("atom", ATOM), ("json", JSONFEED)):
        assert ("alternate", mimetype, f"{SITE}tags/engines/feed.{fmt}") in tag_links
    # No hub is advertised without WEBSUB_HUB.
    assert not [link for link in _head_links(reader.get("/").data) if link[0] == "hub"]


def test_websub_hub_is_advertised(app_factory: Any) -> None:
    hub = "https://hub.example/"
    app = app_factory(**SITE_SETTINGS, WEBSUB_HUB=hub)
    Posts(app).create("Hello", tags=["engines"])
    client = app.test_client()
    for path, self_url in (("/feed.atom", f"{SITE}feed.atom"),
                           ("/tags/engines/feed.rss", f"{SITE}tags/engines/feed.rss")):  # fmt: skip
        response = client.get(path)
        root = etree.fromstring(response.data)
        hrefs = {link.get("rel"): link.get("href")
                 for link in root.iter("{http://www.w3.org/2005/Atom}link")}  # fmt: skip
        assert hrefs["hub"] == hub and hrefs["self"] == self_url
        header = ", ".join(response.headers.getlist("Link"))
        assert f'<{hub}>; rel="hub"' in header and f'<{self_url}>; rel="self"' in header
    assert json.loads(client.get("/feed.json").data)["hubs"] == [{"type": "WebSub", "url": hub}]
    home = client.get("/")
    assert ("hub", None, hub) in _head_links(home.data)
    assert ("self", None, SITE) in _head_links(home.data)
    header = ", ".join(home.headers.getlist("Link"))
    assert f'<{hub}>; rel="hub"' in header and f'<{SITE}>; rel="self"' in header
    assert 'rel="alternate"' in header
