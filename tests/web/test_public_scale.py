"""Pagination over 1,000 posts, and SQL queries per page independent of the number of posts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient

from starpunk.database import get_db
from starpunk.notes import create_note
from tests.web.conftest import SITE_SETTINGS

START = datetime(2025, 1, 1, tzinfo=UTC)


def seed(app: Flask, count: int, *, offset: int = 0) -> None:
    """``count`` posts; every three share a published time, so ties are paged by id."""
    with app.app_context():
        conn, data = get_db(), app.config["DATA_PATH"]
        for i in range(offset, offset + count):
            create_note(conn, data, content=f"Post number {i} about engines", slug=f"post-{i}",
                        tags=["engines"], published=START + timedelta(minutes=i // 3))


def slugs_on(html: str) -> list[str]:
    return re.findall(r'class="u-url u-uid" href="http://example.test/notes/([^"]+)"', html)


def link(html: str, rel: str) -> str | None:
    match = re.search(rf'<a rel="{rel}" href="([^"]+)"', html)
    return match.group(1).replace("&amp;", "&") if match else None


def walk(client: FlaskClient, start: str, rel: str) -> list[list[str]]:
    pages, url = [], start
    while url:
        html = client.get(url).get_data(as_text=True)
        pages.append(slugs_on(html))
        url = link(html, rel)
    return pages


@pytest.mark.parametrize("start", ["/", "/tags/engines"])
def test_every_post_appears_exactly_once_forwards_and_back(app_factory: Any, start: str) -> None:
    app = app_factory(**{**SITE_SETTINGS, "POSTS_PER_PAGE": 20})
    seed(app, 1000)
    client = app.test_client()
    pages = walk(client, start, "next")
    assert len(pages) == 50 and all(len(page) == 20 for page in pages)
    seen = [slug for page in pages for slug in page]
    assert len(seen) == len(set(seen)) == 1000
    assert seen[0] == "post-999" and seen[-1] == "post-0"
    # from the last page back to the first with rel=prev
    last_html = client.get(start).get_data(as_text=True)
    url = link(last_html, "next")
    while url:
        html = client.get(url).get_data(as_text=True)
        nxt = link(html, "next")
        if nxt is None:
            break
        url = nxt
    back = walk(client, url, "prev")
    assert [slug for page in reversed(back) for slug in page] == seen


@pytest.fixture
def query_log(app_factory: Any) -> Iterator[tuple[Flask, list[str]]]:
    app = app_factory(**SITE_SETTINGS)
    statements: list[str] = []

    def record(sql: str) -> None:
        if not sql.startswith("--"):  # "--" marks SQLite's own statements inside FTS5
            statements.append(sql)

    @app.before_request
    def trace() -> None:
        get_db().set_trace_callback(record)
        g.traced = True

    @app.teardown_request
    def untrace(_exc: BaseException | None) -> None:
        if g.get("traced"):
            get_db().set_trace_callback(None)

    yield app, statements


def count_queries(client: FlaskClient, statements: list[str], path: str) -> tuple[int, int]:
    """Queries for a cache miss and for the following cache hit of ``path``."""
    counts = []
    for _ in range(2):
        statements.clear()
        assert client.get(path).status_code == 200, path
        counts.append(len(statements))
    return counts[0], counts[1]


def test_queries_per_page_do_not_grow_with_posts(query_log: tuple[Flask, list[str]]) -> None:
    app, statements = query_log
    client = app.test_client()

    def measure() -> dict[str, tuple[int, int]]:
        pages = {"home": "/", "older": "/?before=" + _cursor(client), "tag": "/tags/engines",
                 "permalink": "/notes/post-3", "search": "/search?q=engines", "tags": "/tags/"}
        return {name: count_queries(client, statements, path) for name, path in pages.items()}

    seed(app, 12)
    small = measure()
    seed(app, 300, offset=12)
    large = measure()
    assert small == large
    for name, (miss, hit) in large.items():
        # a cache hit only reads the content version (and the permalink its row)
        assert miss <= 8 and hit <= 2, (name, miss, hit)


def _cursor(client: FlaskClient) -> str:
    href = link(client.get("/").get_data(as_text=True), "next")
    assert href
    return href.split("before=", 1)[1]
