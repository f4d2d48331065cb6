"""WebSub publishing: tell ``WEBSUB_HUB`` which topics changed after a post is saved.

The post-saved hook only queues a ``websub`` job (one row, in the writer's request); the
queue worker (``starpunk jobs run``) sends ``hub.mode=publish`` for each topic and retries
with backoff when the hub fails. Topics are the home page, every site feed and the feeds
of the post's tags.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any
from urllib.parse import urljoin

from flask import Flask, current_app, has_app_context

from starpunk.database import get_db
from starpunk.jobs import enqueue, handlers, register_handler
from starpunk.notes.model import Note
from starpunk.notes.signals import post_saved
from starpunk.safe_http import FetchError, fetch

log = logging.getLogger(__name__)

JOB_KIND = "websub"
SITE_FEEDS = ("feeds.negotiated", "feeds.rss", "feeds.rss_alias", "feeds.atom", "feeds.json")
TAG_FEEDS = ("feeds.tag_negotiated", "feeds.tag_rss", "feeds.tag_atom", "feeds.tag_json")


class HubError(Exception):
    """The hub did not accept a publish notification."""


def site_url(endpoint: str, **values: Any) -> str:
    """An absolute URL under ``SITE_URL``, built without a request (hooks run in the CLI too)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return urljoin(current_app.config["SITE_URL"], path.lstrip("/"))


def topics(note: Note, previous: Note | None = None) -> list[str]:
    """The URLs whose content changes when ``note`` does (a removed tag's feeds included)."""
    tags = list(note.tags)
    if previous is not None:
        tags += [tag for tag in previous.tags if tag not in tags]
    urls = [current_app.config["SITE_URL"]]
    urls += [site_url(endpoint) for endpoint in SITE_FEEDS]
    urls += [site_url(endpoint, tag=tag) for tag in tags for endpoint in TAG_FEEDS]
    return urls


def ping(payload: dict[str, Any]) -> None:
    """Send one publish notification per topic to the hub; raise :class:`HubError` on failure."""
    hub = payload["hub"]
    for topic in payload["topics"]:
        try:
            response = fetch(hub, method="POST", data={"hub.mode": "publish", "hub.url": topic})
        except FetchError as exc:
            raise HubError(f"{hub} could not be reached: {exc}") from exc
        if not 200 <= response.status < 300:
            raise HubError(f"{hub} answered {response.status} for {topic}")


def _on_post_saved(note: Any, action: str, previous: Any = None) -> None:
    """Queue a ping when a post readers could see (or could see before) changes."""
    if not has_app_context() or JOB_KIND not in handlers(current_app):
        return
    hub = current_app.config.get("WEBSUB_HUB")
    if not hub or not (note.status == "published" or note.was_published):
        return
    try:
        payload = {"hub": hub, "topics": topics(note, previous), "action": action}
        enqueue(get_db(), JOB_KIND, payload)
    except sqlite3.Error:
        log.exception("could not queue the WebSub ping", extra={"slug": note.slug})


def init_app(app: Flask) -> None:
    """Register the ``websub`` job handler and the post-saved hook."""
    register_handler(app, JOB_KIND, ping)
    post_saved.connect(_on_post_saved)
