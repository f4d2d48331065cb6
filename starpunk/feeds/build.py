"""Rendering a feed: RSS 2.0 and Atom 1.0 from Jinja templates, JSON Feed 1.1 with ``json``.

A feed is a :class:`FeedMeta` plus :class:`~starpunk.feeds.items.FeedItem` entries; nothing
here reads the clock, so the same posts and settings always give the same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from flask import current_app, render_template

from starpunk.feeds.items import FeedItem, Image, xml_clean
from starpunk.http import absolute_url
from starpunk.notes.model import format_time

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
#: The feed-level date of a feed with no entries.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedFormat:
    """One feed format: its name for people, media type and endpoints (site-wide, per tag)."""

    key: str
    label: str
    mimetype: str
    endpoint: str
    tag_endpoint: str

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header value."""
        return f"{self.mimetype}; charset=utf-8"


FORMATS: dict[str, FeedFormat] = {
    "rss": FeedFormat("rss", "RSS", "application/rss+xml", "feeds.rss", "feeds.tag_rss"),
    "atom": FeedFormat("atom", "Atom", "application/atom+xml", "feeds.atom", "feeds.tag_atom"),
    "json": FeedFormat(
        "json", "JSON Feed", "application/feed+json", "feeds.json", "feeds.tag_json"
    ),
}


@dataclass(frozen=True)
class FeedMeta:
    """Feed-level fields shared by every format (text already XML-clean)."""

    title: str
    description: str
    home_url: str
    self_url: str
    language: str
    author_name: str
    author_url: str
    updated: datetime
    hub: str | None = None


def tag_url(tag: str) -> str:
    """The tag page's absolute URL (``/tags/<tag>``), the home of a tag's feed."""
    return absolute_url("public.tag", tag=tag)


def feed_meta(items: list[FeedItem], *, self_url: str, tag: str | None = None) -> FeedMeta:
    """The feed-level fields from the settings; ``updated`` is the newest entry's date."""
    config = current_app.config
    site = config["SITE_NAME"]
    description = config["SITE_DESCRIPTION"] or f"Posts from {site}"
    return FeedMeta(
        title=xml_clean(f"{site}: posts tagged #{tag}" if tag else site),
        description=xml_clean(f"Posts tagged #{tag} on {site}" if tag else description),
        home_url=tag_url(tag) if tag else config["SITE_URL"],
        self_url=self_url,
        language=xml_clean(config["SITE_LANGUAGE"]),
        author_name=xml_clean(config["SITE_AUTHOR"] or site),
        author_url=config["ADMIN_ME"],
        updated=max((item.updated for item in items), default=EPOCH),
        hub=config.get("WEBSUB_HUB"),
    )


def rfc822(value: datetime) -> str:
    """An RSS date: ``Mon, 02 Jan 2006 15:04:05 GMT``."""
    return format_datetime(value.astimezone(UTC), usegmt=True)


def rfc3339(value: datetime) -> str:
    """An Atom / JSON Feed date: ``2006-01-02T15:04:05Z``."""
    return format_time(value)


def render_feed(fmt: str, meta: FeedMeta, items: list[FeedItem]) -> bytes:
    """The feed document in format ``fmt`` (``rss``, ``atom`` or ``json``) as UTF-8 bytes."""
    if fmt == "json":
        document = json.dumps(json_feed(meta, items), ensure_ascii=False, indent=1)
        return document.encode("utf-8")
    return render_template(f"feeds/{fmt}.xml", feed=meta, items=items).encode("utf-8")


def json_feed(meta: FeedMeta, items: list[FeedItem]) -> dict[str, Any]:
    """The JSON Feed 1.1 document as a dict."""
    feed: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": meta.title,
        "home_page_url": meta.home_url,
        "feed_url": meta.self_url,
        "description": meta.description,
        "language": meta.language,
        "authors": [{"name": meta.author_name, "url": meta.author_url}],
    }
    if meta.hub:
        feed["hubs"] = [{"type": "WebSub", "url": meta.hub}]
    feed["items"] = [_json_item(item) for item in items]
    return feed


def _json_item(item: FeedItem) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": item.id, "url": item.url}
    if item.name:
        entry["title"] = item.name
    entry["content_html"] = item.html
    if item.images:
        entry["image"] = item.images[0].url
    entry["date_published"] = rfc3339(item.published)
    if item.modified:
        entry["date_modified"] = rfc3339(item.modified)
    if item.tags:
        entry["tags"] = list(item.tags)
    attachments = [_attachment(image) for image in item.images if image.mime_type]
    if attachments:
        entry["attachments"] = attachments
    return entry


def _attachment(image: Image) -> dict[str, Any]:
    attachment: dict[str, Any] = {"url": image.url, "mime_type": image.mime_type or ""}
    if image.size:
        attachment["size_in_bytes"] = image.size
    if image.alt:
        attachment["title"] = image.alt
    return attachment
