"""RSS 2.0, Atom 1.0 and JSON Feed 1.1: valid, complete, absolute, stable and deterministic."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import jsonschema
import lxml.etree as etree
import lxml.html
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage

from starpunk.database import get_db
from starpunk.feeds import xml_clean
from starpunk.media import save_upload
from tests.feeds.conftest import SITE, Posts
from tests.media.images import png

SCHEMA = json.loads((Path(__file__).parent / "jsonfeed-1.1.schema.json").read_text())
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "media": "http://search.yahoo.com/mrss/",
}
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$"
)
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
BASE = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def sample(posts: Posts) -> dict[str, Any]:
    """A note with relative links and tags, an article with a photo, a like, a draft, a deletion."""
    note = posts.create(
        "Hello [about](/about) and ![a chart](chart.png) with a footnote[^1]\n\n[^1]: Aside.",
        tags=["Engines", "math"],
        published=BASE,
    )
    article = posts.create(
        "The *analytical* engine.",
        name="On Engines",
        tags=["engines"],
        properties={"photo": [{"value": f"{SITE}media/engine.jpg", "alt": "The engine"}]},
        published=BASE + timedelta(hours=1),
    )
    like = posts.create(
        "", properties={"like-of": ["https://example.com/post"]},
        published=BASE + timedelta(hours=2),
    )  # fmt: skip
    posts.create("Not yet", status="draft", published=BASE + timedelta(hours=3))
    gone = posts.create("Deleted one", published=BASE + timedelta(hours=4))
    posts.delete(gone.slug)
    return {"note": note, "article": article, "like": like}


def _get(reader: FlaskClient, url: str) -> bytes:
    response = reader.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.data


def _html_urls(html: str) -> list[str]:
    doc = lxml.html.fragment_fromstring(html, create_parent="div")
    return [el.get("href") for el in doc.iter("a")] + [el.get("src") for el in doc.iter("img")]


def _assert_absolute(url: str) -> None:
    parts = urlsplit(url)
    assert parts.scheme in ("http", "https") and parts.netloc, url


def test_rss_is_valid_and_complete(reader: FlaskClient, sample: dict[str, Any]) -> None:
    body = _get(reader, "/feed.rss")
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.feed.title == "Ada's Notes"
    assert parsed.feed.link == SITE
    assert parsed.feed.subtitle == "Writing about engines."
    assert parsed.feed.language == "en"
    # Only published, non-deleted posts, newest first.
    links = [entry.link for entry in parsed.entries]
    assert links == [f"{SITE}notes/{sample[k].slug}" for k in ("like", "article", "note")]

    root = etree.fromstring(body)
    channel = root.find("channel")
    self_link = channel.find("atom:link[@rel='self']", NS)
    assert self_link.get("href") == f"{SITE}feed.rss"
    assert self_link.get("type") == "application/rss+xml"
    assert RFC822.match(channel.findtext("lastBuildDate"))
    items = channel.findall("item")
    for item in items:
        guid = item.find("guid")
        assert guid.text == item.findtext("link")
        assert guid.get("isPermaLink") == "true"
        assert RFC822.match(item.findtext("pubDate"))
        for url in _html_urls(item.findtext("description")):
            _assert_absolute(url)
    like, article, note = items
    assert parsedate_to_datetime(note.findtext("pubDate")) == BASE
    assert [c.text for c in note.findall("category")] == ["engines", "math"]
    assert note.find("title") is None  # notes have no title in RSS; articles do
    assert article.findtext("title") == "On Engines"
    assert "Liked" in like.findtext("description")
    description = note.findtext("description")
    assert f'href="{SITE}about"' in description
    assert f'src="{SITE}notes/chart.png"' in description
    assert f'href="{SITE}notes/{sample["note"].slug}#fn-' in description  # footnote link
    enclosure = article.find("enclosure")
    assert enclosure.get("url") == f"{SITE}media/engine.jpg"
    assert enclosure.get("type") == "image/jpeg"
    assert enclosure.get("length") == "0"
    media = article.find("media:content", NS)
    assert media.get("url") == f"{SITE}media/engine.jpg" and media.get("medium") == "image"
    assert media.findtext("media:description", namespaces=NS) == "The engine"
    assert f'<img src="{SITE}media/engine.jpg" alt="The engine">' in article.findtext(
        "description"
    )


def test_atom_is_valid_and_complete(reader: FlaskClient, sample: dict[str, Any]) -> None:
    body = _get(reader, "/feed.atom")
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Ada's Notes"
    assert parsed.feed.author_detail.name == "Ada Lovelace"
    assert parsed.feed.author_detail.href == SITE
    assert [entry.title for entry in parsed.entries] == [
        "Liked https://example.com/post",
        "On Engines",
        "Hello about and with a footnote",
    ]
    note = parsed.entries[2]
    assert note.id == f"{SITE}notes/{sample['note'].slug}"
    assert [tag.term for tag in note.tags] == ["engines", "math"]
    assert note.content[0].type == "text/html"

    root = etree.fromstring(body)
    assert root.findtext("atom:id", namespaces=NS) == SITE
    assert RFC3339.match(root.findtext("atom:updated", namespaces=NS))
    links = {link.get("rel"): link.get("href") for link in root.findall("atom:link", NS)}
    assert links == {"alternate": SITE, "self": f"{SITE}feed.atom"}
    for entry in root.findall("atom:entry", NS):
        for field in ("atom:id", "atom:title", "atom:published", "atom:updated"):
            assert entry.findtext(field, namespaces=NS), field
        assert RFC3339.match(entry.findtext("atom:published", namespaces=NS))
        assert RFC3339.match(entry.findtext("atom:updated", namespaces=NS))
        assert entry.find("atom:content", NS).get("type") == "html"
        for url in _html_urls(entry.findtext("atom:content", namespaces=NS)):
            _assert_absolute(url)
    article = root.findall("atom:entry", NS)[1]
    enclosure = article.find("atom:link[@rel='enclosure']", NS)
    assert enclosure.get("href") == f"{SITE}media/engine.jpg"
    # The feed's date is its newest entry's: the like, published last.
    assert root.findtext("atom:updated", namespaces=NS) == "2025-03-01T14:00:00Z"


def test_json_feed_matches_the_schema(reader: FlaskClient, sample: dict[str, Any]) -> None:
    response = reader.get("/feed.json")
    assert response.headers["Content-Type"].startswith("application/feed+json")
    document = json.loads(response.data)
    jsonschema.validate(document, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert document["home_page_url"] == SITE
    assert document["feed_url"] == f"{SITE}feed.json"
    assert document["language"] == "en"
    assert document["authors"] == [{"name": "Ada Lovelace", "url": SITE}]
    assert "hubs" not in document
    like, article, note = document["items"]
    assert note["id"] == note["url"] == f"{SITE}notes/{sample['note'].slug}"
    assert "title" not in note and article["title"] == "On Engines"
    assert note["tags"] == ["engines", "math"]
    assert note["date_published"] == "2025-03-01T12:00:00Z"
    assert "date_modified" not in note
    assert article["image"] == f"{SITE}media/engine.jpg"
    assert article["attachments"] == [
        {"url": f"{SITE}media/engine.jpg", "mime_type": "image/jpeg", "title": "The engine"}
    ]
    for item in document["items"]:
        for url in _html_urls(item["content_html"]):
            _assert_absolute(url)


def test_the_schema_rejects_broken_feeds() -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    good = {"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": []}
    assert validator.is_valid(good)
    assert not validator.is_valid({**good, "version": "1.0"})
    assert not validator.is_valid({**good, "items": [{"id": "x"}]})  # no content
    assert not validator.is_valid({**good, "items": [{"id": "x", "content_html": "",
                                                      "date_published": "2025-03-01"}]})


def test_ids_stay_the_same_across_an_edit(reader: FlaskClient, posts: Posts) -> None:
    post = posts.create("First draft of a thought", published=BASE)
    before = {fmt: reader.get(f"/feed.{fmt}").data for fmt in ("rss", "atom", "json")}
    posts.update(post.slug, content="A better thought", name="Now with a title")
    after = {fmt: reader.get(f"/feed.{fmt}").data for fmt in ("rss", "atom", "json")}

    old, new = feedparser.parse(before["atom"]).entries, feedparser.parse(after["atom"]).entries
    assert len(old) == len(new) == 1
    assert old[0].id == new[0].id
    assert new[0].title == "Now with a title"
    assert new[0].updated != new[0].published
    old_rss, new_rss = feedparser.parse(before["rss"]), feedparser.parse(after["rss"])
    assert old_rss.entries[0].id == new_rss.entries[0].id
    old_json, new_json = json.loads(before["json"]), json.loads(after["json"])
    assert old_json["items"][0]["id"] == new_json["items"][0]["id"]
    assert RFC3339.match(new_json["items"][0]["date_modified"])


def test_xml_illegal_characters_are_stripped(reader: FlaskClient, posts: Posts) -> None:
    posts.create("Body \x0b with \x01 controls", name="Bad\x01 title\ufffe here", published=BASE)
    for fmt in ("rss", "atom"):
        body = reader.get(f"/feed.{fmt}").data
        etree.fromstring(body)  # strict XML parser: raises on any illegal character
        parsed = feedparser.parse(body)
        assert parsed.bozo == 0
        assert parsed.entries[0].title == "Bad title here"
    assert xml_clean("a\x00b\x1fc\ud800d\uffffe\tf\U0001f600") == "abcde\tf\U0001f600"


def test_long_notes_get_a_short_derived_title(reader: FlaskClient, posts: Posts) -> None:
    posts.create("word " * 40, published=BASE)
    title = feedparser.parse(reader.get("/feed.atom").data).entries[0].title
    assert title.endswith("…") and len(title) <= 61
    assert title.startswith("word word")


def test_output_is_deterministic(app_factory: Any, site: Flask, sample: dict[str, Any]) -> None:
    first = {fmt: site.test_client().get(f"/feed.{fmt}").data for fmt in ("rss", "atom", "json")}
    # Another worker on the same data renders the same bytes.
    other = app_factory(**{k: site.config[k] for k in ("SITE_URL", "SITE_NAME", "SITE_AUTHOR",
                                                       "SITE_DESCRIPTION")})  # fmt: skip
    second = {fmt: other.test_client().get(f"/feed.{fmt}").data for fmt in first}
    assert first == second


def test_feed_max_items(app_factory: Any) -> None:
    app = app_factory(SITE_URL=SITE, FEED_MAX_ITEMS=3)
    helper = Posts(app)
    for hour in range(5):
        helper.create(f"Post {hour}", published=BASE + timedelta(hours=hour))
    parsed = feedparser.parse(app.test_client().get("/feed.atom").data)
    assert [entry.title for entry in parsed.entries] == ["Post 4", "Post 3", "Post 2"]
    document = json.loads(app.test_client().get("/feed.json").data)
    assert len(document["items"]) == 3


def test_an_empty_site_has_valid_feeds(reader: FlaskClient) -> None:
    for fmt in ("rss", "atom"):
        parsed = feedparser.parse(_get(reader, f"/feed.{fmt}"))
        assert parsed.bozo == 0 and parsed.entries == []
    jsonschema.validate(json.loads(_get(reader, "/feed.json")), SCHEMA)


def test_stored_photos_carry_their_type_and_size(site: Flask, reader: FlaskClient,
                                                 posts: Posts) -> None:
    with site.test_request_context():
        media = save_upload(get_db(), site.config["DATA_PATH"],
                            FileStorage(io.BytesIO(png()), "map.png"))
        url = media.absolute_url
    posts.create("A map", properties={"photo": [{"value": url, "alt": "The route"}]})
    rss = etree.fromstring(reader.get("/feed.rss").data)
    enclosure = rss.find("channel/item/enclosure")
    assert enclosure.get("url") == url and enclosure.get("type") == "image/png"
    assert enclosure.get("length") == str(media.size) != "0"
    attachment = reader.get("/feed.json").get_json()["items"][0]["attachments"][0]
    assert attachment == {"url": url, "mime_type": "image/png", "size_in_bytes": media.size,
                          "title": "The route"}
