"""Feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1 for the site and every tag, plus OPML.

:mod:`.items` turns a note into a feed entry, :mod:`.build` renders a format, :mod:`.cache`
keeps each rendering until the content changes, :mod:`.views` serves them and
:mod:`.discovery` gives tag pages their feed links and the home page its WebSub ``hub``;
:mod:`.websub` queues hub notifications after every change.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, has_app_context

from starpunk.feeds import discovery, websub
from starpunk.feeds.build import rfc822, rfc3339
from starpunk.feeds.cache import FeedCache
from starpunk.feeds.items import post_url, xml_clean
from starpunk.feeds.views import EXTENSION, bp
from starpunk.notes.signals import post_saved

__all__ = ["init_app", "post_url", "xml_clean"]

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Register the feed routes, the template filters and helpers, and the post-saved hook."""
    app.extensions[EXTENSION] = FeedCache()
    app.register_blueprint(bp)
    app.add_template_filter(xml_clean, "xmlsafe")
    app.add_template_filter(rfc822, "rfc822")
    app.add_template_filter(rfc3339, "rfc3339")
    discovery.init_app(app)
    websub.init_app(app)
    post_saved.connect(_on_post_saved)


def _on_post_saved(note: Any, action: str, previous: Any = None) -> None:
    """Drop this worker's rendered feeds at once (other workers see the new content version)."""
    if not has_app_context():
        return
    cache = current_app.extensions.get(EXTENSION)
    if cache is not None:
        cache.clear()
