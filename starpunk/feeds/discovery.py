"""Feed discovery beyond the site-wide alternates that :mod:`starpunk.web.discovery` adds.

A tag page advertises its own three feeds (:func:`tag_feed_links`); when ``WEBSUB_HUB`` is
set the home page advertises the hub and itself as ``self`` (:func:`websub_links`), in its
HTML head and in its ``Link`` header.
"""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from markupsafe import Markup
from werkzeug.wrappers import Response

from starpunk.feeds.build import FORMATS
from starpunk.feeds.views import feed_url
from starpunk.web.discovery import DiscoveryLink

#: The page whose WebSub topic is the page itself (the h-feed home page).
HOME_ENDPOINT = "public.index"
#: The tag page, which advertises that tag's own feeds.
TAG_ENDPOINT = "public.tag"


def tag_feed_links(tag: str) -> list[DiscoveryLink]:
    """``rel=alternate`` links to ``tag``'s feed in every format."""
    site = current_app.config["SITE_NAME"]
    return [
        DiscoveryLink("alternate", feed_url(key, tag), f.mimetype, f"#{tag} on {site} ({f.label})")
        for key, f in FORMATS.items()
    ]


def websub_links() -> list[DiscoveryLink]:
    """The WebSub ``hub`` and the home page as ``self``; none when no hub is configured."""
    hub = current_app.config.get("WEBSUB_HUB")
    if not hub:
        return []
    return [DiscoveryLink("hub", hub), DiscoveryLink("self", current_app.config["SITE_URL"])]


def render_links(links: list[DiscoveryLink]) -> Markup:
    """``<link>`` elements for a page head."""
    return Markup(render_template("feeds/_links.html", links=links))


def _page_link_headers(response: Response) -> Response:
    """The home page's WebSub links and a tag page's own feeds, in its ``Link`` header too."""
    if response.status_code not in (200, 304):
        return response
    links: list[DiscoveryLink] = []
    if request.endpoint == HOME_ENDPOINT:
        links = websub_links()
    elif request.endpoint == TAG_ENDPOINT and request.view_args:
        links = tag_feed_links(request.view_args["tag"])
    for link in links:
        response.headers.add("Link", link.header_value())
    return response


def init_app(app: Flask) -> None:
    """Template helpers ``tag_feed_links(tag)`` and ``websub_links()``; their Link headers."""
    app.add_template_global(lambda tag: render_links(tag_feed_links(tag)), "tag_feed_links")
    app.add_template_global(lambda: render_links(websub_links()), "websub_links")
    app.after_request(_page_link_headers)
