"""Every public page type parsed with mf2py and checked property by property."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mf2py
from flask import Flask

from starpunk.notes import Note
from tests.web.conftest import SITE


def parse(site: Flask, path: str) -> dict[str, Any]:
    resp = site.test_client().get(path)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return mf2py.parse(doc=resp.get_data(as_text=True), url=SITE + path.lstrip("/"))


def entry_of(site: Flask, note: Note) -> dict[str, Any]:
    items = parse(site, f"/notes/{note.slug}")["items"]
    entries = [item for item in items if item["type"] == ["h-entry"]]
    assert len(entries) == 1, items
    return entries[0]["properties"]


def test_home_has_the_representative_hcard(site: Flask) -> None:
    items = parse(site, "/")["items"]
    cards = [item for item in items if item["type"] == ["h-card"]]
    assert len(cards) == 1
    card = cards[0]["properties"]
    assert card["name"] == ["Ada Lovelace"]
    assert card["uid"] == [SITE] and card["url"][0] == SITE
    assert card["photo"] == [{"value": "https://example.test/ada.jpg", "alt": "Ada Lovelace"}]
    assert card["note"] == ["Writing about engines."]
    assert card["url"][1:] == ["https://github.com/ada", "https://social.example/@ada"]
    assert parse(site, "/")["rels"]["me"] == ["https://github.com/ada", "https://social.example/@ada"]


def test_home_is_an_hfeed_of_published_posts_newest_first(site: Flask,
                                                          post: Callable[..., Note]) -> None:
    first = post("The first post")
    second = post("The second post", name="An article")
    post("A secret draft", status="draft")
    feeds = [item for item in parse(site, "/")["items"] if item["type"] == ["h-feed"]]
    assert len(feeds) == 1
    feed = feeds[0]
    assert feed["properties"]["name"] == ["Ada's Notes"] and feed["properties"]["url"] == [SITE]
    urls = [child["properties"]["url"][0] for child in feed["children"]]
    assert urls == [f"{SITE}notes/{second.slug}", f"{SITE}notes/{first.slug}"]


def test_note_permalink_is_a_full_hentry(site: Flask, post: Callable[..., Note]) -> None:
    note = post("Hello **bold** world", tags=["Python", "Indie Web"])
    props = entry_of(site, note)
    url = f"{SITE}notes/{note.slug}"
    assert props["url"] == [url] and props["uid"] == [url]
    assert props["published"] == [note.published.strftime("%Y-%m-%dT%H:%M:%SZ")]
    assert props["content"][0]["html"] == "<p>Hello <strong>bold</strong> world</p>"
    assert props["category"] == ["python", "indie-web"]
    assert "name" not in props
    author = props["author"][0]
    assert author["type"] == ["h-card"]
    assert author["properties"]["name"] == ["Ada Lovelace"]
    assert author["properties"]["url"] == [SITE]
    assert author["properties"]["photo"][0]["value"] == "https://example.test/ada.jpg"
    rels = parse(site, f"/notes/{note.slug}")["rels"]
    assert rels["tag"] == [f"{SITE}tags/python", f"{SITE}tags/indie-web"]


def test_article_has_a_name_and_updated_time(site: Flask, post: Callable[..., Note]) -> None:
    from starpunk.database import get_db
    from starpunk.notes import update_note

    note = post("Body text", name="A Title")
    with site.app_context():
        note = update_note(get_db(), site.config["DATA_PATH"], note.slug, content="New body")
    props = entry_of(site, note)
    assert props["name"] == ["A Title"]
    assert props["updated"] == [note.updated.strftime("%Y-%m-%dT%H:%M:%SZ")]
    assert props["content"][0]["value"] == "New body"


def test_response_kinds_carry_their_target(site: Flask, post: Callable[..., Note]) -> None:
    cases = {
        "in-reply-to": "https://other.example/a-post",
        "like-of": "https://other.example/liked",
        "bookmark-of": "https://other.example/bookmarked",
        "repost-of": "https://other.example/reposted",
    }
    for prop, target in cases.items():
        note = post(f"About {prop}", properties={prop: [target]})
        assert entry_of(site, note)[prop] == [target], prop


def test_hcite_targets_are_linked_by_their_url(site: Flask, post: Callable[..., Note]) -> None:
    cite = {"type": ["h-cite"], "properties": {"url": ["https://other.example/cited"]}}
    note = post("Replying", properties={"in-reply-to": [cite]})
    assert entry_of(site, note)["in-reply-to"] == ["https://other.example/cited"]


def test_photos_keep_their_alt_text(site: Flask, post: Callable[..., Note]) -> None:
    photos = [{"value": "https://example.test/media/cat.jpg", "alt": "A sleeping cat"},
              "https://example.test/media/dog.jpg"]
    note = post("Pets", properties={"photo": photos})
    assert note.kind == "photo"
    assert entry_of(site, note)["photo"] == [
        {"value": "https://example.test/media/cat.jpg", "alt": "A sleeping cat"},
        {"value": "https://example.test/media/dog.jpg", "alt": ""},
    ]


def test_syndication_links(site: Flask, post: Callable[..., Note]) -> None:
    note = post("Cross-posted", properties={"syndication": ["https://social.example/@ada/1"]})
    assert entry_of(site, note)["syndication"] == ["https://social.example/@ada/1"]


def test_tag_page_is_an_hfeed_of_tagged_posts(site: Flask, post: Callable[..., Note]) -> None:
    tagged = post("Tagged post", tags=["Engines"])
    post("Untagged post")
    feeds = [i for i in parse(site, "/tags/engines")["items"] if i["type"] == ["h-feed"]]
    assert feeds[0]["properties"]["name"] == ["Posts tagged #engines"]
    assert [c["properties"]["url"][0] for c in feeds[0]["children"]] == [
        f"{SITE}notes/{tagged.slug}"
    ]
