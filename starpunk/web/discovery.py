"""Discovery: the endpoints and feeds a page advertises, as ``<link>`` tags and a Link header.

Only endpoints that this app really serves are advertised: each entry names the view that
must exist, so a protocol that is not registered (external identity mode, a missing
Webmention receiver) is never announced.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from starpunk.http import absolute_url


@dataclass(frozen=True)
class DiscoveryLink:
    """One advertised link: its rel, absolute URL and (for alternates) media type and title."""

    rel: str
    href: str
    type: str | None = None
    title: str | None = None

    def header_value(self) -> str:
        """The link as one ``Link`` header entry."""
        value = f'<{self.href}>; rel="{self.rel}"'
        if self.type:
            value += f'; type="{self.type}"'
        return value


#: (rel, view) for protocol endpoints, in the order clients usually look for them.
ENDPOINTS = (
    ("micropub", "micropub.endpoint"),
    ("indieauth-metadata", "indieauth.metadata"),
    ("authorization_endpoint", "indieauth.authorization"),
    ("token_endpoint", "indieauth.token"),
    ("webmention", "webmention.endpoint"),
)
#: (media type, title suffix, view) for the feed alternates.
FEEDS = (
    ("application/rss+xml", "RSS", "feeds.rss"),
    ("application/atom+xml", "Atom", "feeds.atom"),
    ("application/feed+json", "JSON Feed", "feeds.json"),
)


def discovery_links() -> tuple[DiscoveryLink, ...]:
    """Every link this app advertises on public pages (computed once per app)."""
    cached = current_app.extensions.get("starpunk.discovery")
    if cached is None:
        views = current_app.view_functions
        site = current_app.config["SITE_NAME"]
        links = [DiscoveryLink(rel, absolute_url(view)) for rel, view in ENDPOINTS if view in views]
        links += [
            DiscoveryLink("alternate", absolute_url(view), kind, f"{site} ({label})")
            for kind, label, view in FEEDS
            if view in views
        ]
        cached = current_app.extensions["starpunk.discovery"] = tuple(links)
    return cached


def link_header() -> str:
    """The ``Link`` header value carrying the same links as the HTML (computed once per app)."""
    cached = current_app.extensions.get("starpunk.link_header")
    if cached is None:
        cached = ", ".join(link.header_value() for link in discovery_links())
        current_app.extensions["starpunk.link_header"] = cached
    return cached
