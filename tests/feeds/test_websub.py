"""WebSub: every visible change queues a ping; the worker notifies a local hub, with retries."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from click.testing import CliRunner
from flask import Flask
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from starpunk import jobs
from starpunk.cli import cli
from starpunk.database import db_path, get_db
from starpunk.notes.model import utc_now
from tests.feeds.conftest import SITE, SITE_SETTINGS, Posts


class Hub:
    """A local hub recording every publish notification; can be told to fail."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.pings: list[dict[str, list[str]]] = []
        self.status = 204
        server.expect_request("/hub", method="POST").respond_with_handler(self._handle)

    def _handle(self, request: Request) -> Response:
        self.pings.append(parse_qs(request.get_data(as_text=True)))
        return Response(status=self.status)

    @property
    def url(self) -> str:
        return self.server.url_for("/hub")

    def topics(self) -> list[str]:
        return [ping["hub.url"][0] for ping in self.pings if ping["hub.mode"] == ["publish"]]


@pytest.fixture
def hub(httpserver: HTTPServer) -> Hub:
    """The local hub."""
    return Hub(httpserver)


@pytest.fixture
def hub_site(app_factory: Any, hub: Hub) -> Flask:
    """A site that notifies :func:`hub` (private addresses allowed for the local hub)."""
    return app_factory(**SITE_SETTINGS, WEBSUB_HUB=hub.url, FETCH_ALLOW_PRIVATE=True)


def _jobs(app: Flask) -> list[Any]:
    with app.app_context():
        return get_db().execute(
            "SELECT kind, attempts, last_error, done_at, next_try_at FROM jobs ORDER BY id"
        ).fetchall()


def _run(app: Flask, **kwargs: Any) -> int:
    with app.app_context():
        return jobs.run_due(get_db(), jobs.handlers(app), **kwargs)


SITE_TOPICS = [
    SITE,
    f"{SITE}feed",
    f"{SITE}feed.rss",
    f"{SITE}feed.xml",
    f"{SITE}feed.atom",
    f"{SITE}feed.json",
]


def test_publish_update_delete_each_notify_the_hub(hub_site: Flask, hub: Hub) -> None:
    posts = Posts(hub_site)
    post = posts.create("Hello hub", tags=["engines"])
    assert hub.pings == []  # the request only queues; the worker talks to the hub
    assert [row["kind"] for row in _jobs(hub_site)] == ["websub"]
    assert _run(hub_site) == 1
    tag_topics = [f"{SITE}tags/engines/feed{suffix}" for suffix in ("", ".rss", ".atom", ".json")]
    assert hub.topics() == SITE_TOPICS + tag_topics

    posts.update(post.slug, content="Edited")
    posts.delete(post.slug)
    assert _run(hub_site) == 2
    assert len(hub.topics()) == 3 * len(SITE_TOPICS + tag_topics)
    assert all(row["done_at"] and row["last_error"] is None for row in _jobs(hub_site))


def test_removing_a_tag_notifies_that_tag_s_feeds(hub_site: Flask, hub: Hub) -> None:
    posts = Posts(hub_site)
    post = posts.create("Hello hub", tags=["engines", "poetry"])
    _run(hub_site)
    hub.pings.clear()
    posts.update(post.slug, tags=["poetry"])
    assert _run(hub_site) == 1
    assert f"{SITE}tags/engines/feed.atom" in hub.topics()  # no longer tagged, still stale
    assert f"{SITE}tags/poetry/feed.atom" in hub.topics()


def test_drafts_do_not_notify(hub_site: Flask, hub: Hub) -> None:
    posts = Posts(hub_site)
    draft = posts.create("Secret", status="draft")
    posts.update(draft.slug, content="Still secret")
    assert _jobs(hub_site) == []
    posts.update(draft.slug, status="published")
    assert len(_jobs(hub_site)) == 1


def test_no_hub_no_jobs(site: Flask) -> None:
    Posts(site).create("Quiet")
    assert _jobs(site) == []


def test_a_failing_hub_is_retried_with_backoff(hub_site: Flask, hub: Hub) -> None:
    Posts(hub_site).create("Hello hub")
    hub.status = 503
    start = utc_now()
    assert _run(hub_site, now=start) == 1
    (row,) = _jobs(hub_site)
    assert row["attempts"] == 1 and row["done_at"] is None
    assert "503" in row["last_error"]
    assert _run(hub_site, now=start + timedelta(seconds=10)) == 0  # not due yet
    assert _run(hub_site, now=start + timedelta(seconds=31)) == 1  # second failure
    assert _jobs(hub_site)[0]["attempts"] == 2
    assert _run(hub_site, now=start + timedelta(seconds=60)) == 0  # waits 60 s now
    hub.status = 202
    assert _run(hub_site, now=start + timedelta(seconds=92)) == 1
    (row,) = _jobs(hub_site)
    assert row["done_at"] and row["last_error"] is None and row["attempts"] == 3


def test_an_unreachable_hub_is_given_up_after_max_attempts(app_factory: Any) -> None:
    app = app_factory(**SITE_SETTINGS, WEBSUB_HUB="http://127.0.0.1:9/hub",
                      FETCH_ALLOW_PRIVATE=True)  # fmt: skip
    Posts(app).create("Nobody listens")
    when = utc_now()
    for _ in range(jobs.MAX_ATTEMPTS):
        assert _run(app, now=when) == 1
        when += jobs.MAX_RETRY
    (row,) = _jobs(app)
    assert row["attempts"] == jobs.MAX_ATTEMPTS and row["done_at"] is not None
    assert "could not be reached" in row["last_error"]
    assert _run(app, now=when + jobs.MAX_RETRY) == 0


def test_private_hub_refused_unless_allowed(app_factory: Any, hub: Hub) -> None:
    app = app_factory(**SITE_SETTINGS, WEBSUB_HUB=hub.url)
    Posts(app).create("Hello")
    _run(app)
    assert hub.pings == []
    assert "could not be reached" in _jobs(app)[0]["last_error"]


def test_retry_delays_double_up_to_a_cap() -> None:
    delays = [jobs.retry_delay(n).total_seconds() for n in range(1, 6)]
    assert delays == [30, 60, 120, 240, 480]
    assert jobs.retry_delay(40) == jobs.MAX_RETRY


def test_a_claimed_job_is_leased(hub_site: Flask) -> None:
    Posts(hub_site).create("Hello")
    now = utc_now()
    with hub_site.app_context():
        assert len(jobs.claim_due(get_db(), now=now)) == 1
        assert jobs.claim_due(get_db(), now=now + timedelta(seconds=60)) == []
        assert len(jobs.claim_due(get_db(), now=now + jobs.LEASE)) == 1  # worker died: again


def test_jobs_run_command(hub_site: Flask, hub: Hub) -> None:
    Posts(hub_site).create("From the CLI")
    env = {
        "DATA_PATH": str(hub_site.config["DATA_PATH"]),
        "SITE_URL": SITE,
        "SESSION_SECRET": hub_site.config["SECRET_KEY"],
        "WEBSUB_HUB": hub.url,
        "FETCH_ALLOW_PRIVATE": "true",
        "LOG_LEVEL": "ERROR",
    }
    result = CliRunner().invoke(cli, ["jobs", "run", "--once"], env=env)
    assert result.exit_code == 0, result.output
    assert "ran 1 jobs" in result.output
    assert hub.topics()[0] == SITE


def test_jobs_run_reports_a_locked_queue_instead_of_crashing(hub_site: Flask) -> None:
    Posts(hub_site).create("Queued")
    env = {"DATA_PATH": str(hub_site.config["DATA_PATH"]), "SITE_URL": SITE,
           "SESSION_SECRET": hub_site.config["SECRET_KEY"], "WEBSUB_HUB": "https://hub.example/",
           "LOG_LEVEL": "ERROR", "DB_TIMEOUT": "1"}
    blocker = sqlite3.connect(db_path(Path(hub_site.config["DATA_PATH"])), timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    try:
        result = CliRunner().invoke(cli, ["jobs", "run", "--once"], env=env)
    finally:
        blocker.rollback()
        blocker.close()
    assert result.exit_code == 1
    assert "the job queue is unavailable" in result.output
    assert [(row["attempts"], row["done_at"]) for row in _jobs(hub_site)] == [(0, None)]
