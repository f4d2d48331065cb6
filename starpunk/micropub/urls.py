"""Post URLs: the permalink Micropub answers with, and the way back from a URL to a slug."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

from starpunk.errors import BadRequest
from starpunk.http import absolute_url
from starpunk.indieauth.tokens import origin
from starpunk.notes.slugs import SLUG_RE

#: First path segments of a permalink: ``/notes/<slug>`` and the old ``/note/<slug>``.
PERMALINK_PREFIXES = ("notes", "note")


def post_url(slug: str) -> str:
    """The absolute permalink of the post ``slug`` (built from ``SITE_URL``)."""
    return absolute_url("public.note", slug=slug)


def slug_from_url(url: str) -> str:
    """The slug a permalink on this site names; :class:`BadRequest` for any other URL."""
    site = current_app.config["SITE_URL"]
    problem = BadRequest(f"{url[:200]!r} is not the URL of a post on this site.")
    try:
        if origin(url) != origin(site):
            raise problem
    except ValueError:  # a malformed port
        raise problem from None
    path, base = urlsplit(url).path, urlsplit(site).path
    if not path.startswith(base):
        raise problem
    parts = path[len(base) :].rstrip("/").split("/")
    if len(parts) != 2 or parts[0] not in PERMALINK_PREFIXES or not SLUG_RE.match(parts[1]):
        raise problem
    return parts[1]
