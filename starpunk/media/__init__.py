"""Media: photos from the admin and from Micropub, validated, stripped and resized.

:func:`save_upload` is the one way in (the Micropub media endpoint, Micropub multipart
``photo`` and the admin editor all call it): decode the upload (:mod:`.validate`), orient
and re-encode it without metadata and make the variants (:mod:`.variants`), then store files
and rows as one unit (:mod:`.store`). :mod:`.views` serves ``/media/...`` and the Micropub
media endpoint; :mod:`.render` builds responsive ``<img>`` tags; :mod:`.check` finds orphans.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, url_for
from werkzeug.datastructures import FileStorage

from starpunk.media.store import (
    Media,
    Variant,
    get_media,
    media_by_path,
    media_by_paths,
    store_processed,
)
from starpunk.media.validate import decode, read_limited
from starpunk.media.variants import process

__all__ = [
    "Media",
    "Variant",
    "get_media",
    "init_app",
    "media_by_url",
    "media_for_urls",
    "save_upload",
]


def save_upload(
    conn: sqlite3.Connection,
    data_path: Path | str,
    file: FileStorage,
    *,
    max_bytes: int | None = None,
    max_pixels: int | None = None,
) -> Media:
    """Validate, clean and store one uploaded image; return the stored :class:`Media`.

    The client's file name and content type are ignored. Raises
    :class:`~starpunk.errors.PayloadTooLarge` (413) past ``MEDIA_MAX_BYTES`` and
    :class:`~starpunk.errors.BadRequest` (400) for anything that is not an accepted image
    or has more than ``MEDIA_MAX_PIXELS`` pixels. Limits default to the app's settings.
    Call it outside any open transaction on ``conn`` (it commits its own), inside an app
    context (the returned URLs are built from ``SITE_URL``).
    """
    config = current_app.config
    limit_bytes = max_bytes if max_bytes is not None else config["MEDIA_MAX_BYTES"]
    limit_pixels = max_pixels if max_pixels is not None else config["MEDIA_MAX_PIXELS"]
    data = read_limited(file.stream, limit_bytes)
    decoded = decode(data, limit_pixels)
    try:
        processed = process(decoded)
    finally:
        decoded.image.close()
    return store_processed(conn, data_path, processed)


def _relpath(url: str) -> str | None:
    """The path under ``/media/`` that an absolute or site-relative URL of ours names."""
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        return None
    path = parts.path
    if parts.scheme or parts.netloc:  # absolute: must be under SITE_URL (which may have a path)
        site = urlsplit(current_app.config["SITE_URL"])
        same_site = (parts.scheme, parts.netloc.lower()) == (site.scheme, site.netloc)
        if not same_site or not path.startswith(site.path):
            return None
        path = "/" + path[len(site.path):]
    prefix = url_for("media.serve", relpath="x").removesuffix("x")  # "/media/"
    if not path.startswith(prefix):
        return None
    return path[len(prefix):]


def media_by_url(conn: sqlite3.Connection, url: str) -> Media | None:
    """The media an absolute or site-relative ``/media/...`` URL of ours points at, or None.

    Lets Micropub and the templates turn a ``photo`` URL back into sizes and variants.
    """
    relpath = _relpath(url)
    return media_by_path(conn, relpath) if relpath is not None else None


def media_for_urls(conn: sqlite3.Connection, urls: list[str]) -> dict[str, Media]:
    """The stored originals among ``urls`` (URL → :class:`Media`), in at most two queries."""
    paths = {url: relpath for url in urls if (relpath := _relpath(url)) is not None}
    found = media_by_paths(conn, list(paths.values()))
    return {url: found[path] for url, path in paths.items() if path in found}


def init_app(app: Flask) -> None:
    """Register ``/media/...``, the Micropub media endpoint and the ``media_img`` helper."""
    from starpunk.csrf import csrf
    from starpunk.media import render, views

    app.register_blueprint(views.bp)
    csrf.exempt(views.endpoint)
    app.jinja_env.globals["media_img"] = render.img_html
