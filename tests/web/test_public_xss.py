"""The XSS corpus goes through content, title, tags and properties and comes out inert."""

from __future__ import annotations

import re
from collections.abc import Callable

import lxml.html
import pytest
from flask import Flask

from starpunk.notes import Note
from tests.web.xss_payloads import PAYLOADS

ACTIVE_TAGS = {"script", "iframe", "object", "embed", "style", "link", "meta", "base", "form",
               "input", "textarea", "select", "svg", "math", "frame", "frameset", "isindex"}
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "data", "background", "srcset")


def assert_inert(html: str, where: str) -> None:
    """No script-capable element, event handler, style or dangerous URL in ``html``."""
    root = lxml.html.fromstring(html)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        if tag in ("link", "meta", "script", "style") and element.getparent() is not None and (
            element.getparent().tag == "head"
        ):
            assert tag != "script" and tag != "style", where
            continue  # our own head: stylesheet and discovery links
        ours = [f for f in element.iterancestors("form")] + ([element] if tag == "form" else [])
        if not (ours and ours[0].get("class") == "search-form" and tag in ("form", "input")):
            assert tag not in ACTIVE_TAGS, (where, lxml.html.tostring(element))
        for name, value in element.attrib.items():
            name = name.lower()
            assert not name.startswith("on"), (where, name, value)
            assert name != "style", (where, value)
            if name in URL_ATTRIBUTES or name.endswith(":href"):
                for url in value.split(",") if name == "srcset" else [value]:
                    scheme = re.match(r"^([a-z][a-z0-9+.-]*):", "".join(url.split()).lower())
                    assert scheme is None or scheme.group(1) in ("http", "https", "mailto"), (
                        where, name, value)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_inert_everywhere(site: Flask, post: Callable[..., Note],
                                     payload: str) -> None:
    note = post(f"Before {payload} after", name=f"Title {payload}", tags=[payload[:60]],
                properties={"like-of": [payload], "photo": [{"value": payload, "alt": payload}],
                            "in-reply-to": [payload], "repost-of": [{"value": payload}],
                            "bookmark-of": [{"type": ["h-cite"],
                                             "properties": {"url": [payload]}}],
                            "syndication": [payload]})
    client = site.test_client()
    pages = ["/", f"/notes/{note.slug}", "/tags/", "/search?q=Before+after",
             "/search?q=" + "Title"]
    tag_page = client.get("/tags/").get_data(as_text=True)
    root = lxml.html.fromstring(tag_page)
    pages += [a.get("href") for a in root.iter("a") if a.get("rel") == "tag"]
    for path in pages:
        resp = client.get(path)
        assert resp.status_code == 200, (path, resp.status_code)
        assert_inert(resp.get_data(as_text=True), path)
    api = client.get("/api/search", query_string={"q": "Before after"}).get_json()
    for item in api["items"]:
        assert_inert(f"<p>{item['snippet_html']}</p>", "api")
    for item in client.get("/feed.json").get_json()["items"]:
        assert_inert(f"<div>{item['content_html']}</div>", "feed.json")


def test_corpus_is_large_enough() -> None:
    assert len(PAYLOADS) >= 50
