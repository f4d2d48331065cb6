"""One feed entry per note: permalink, title, absolute HTML, images — the same for every format.

Everything here is derived from the note alone, so the same content always gives the same
entry (feeds are deterministic) and an edit never changes an entry's id (its permalink).
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from html import escape
from html.parser import HTMLParser
from urllib.parse import urlsplit

from starpunk.http import absolute_url
from starpunk.media import Media
from starpunk.notes.model import Note
from starpunk.notes.render import sanitize_html
from starpunk.web.entries import contexts, photos

#: Everything XML 1.0 forbids in a document (C0 controls but tab/LF/CR, surrogates, FFFE/FFFF).
_XML_ILLEGAL = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: Attributes that hold a URL, per tag, in the sanitizer's allow-list.
#: Most characters of a title derived from a note's text.
TITLE_LENGTH = 60
_KIND_TITLES = {"photo": "Photo", "reply": "Reply", "like": "Like", "repost": "Repost",
                "bookmark": "Bookmark"}  # fmt: skip


def xml_clean(value: object) -> str:
    """``value`` as text with every character XML 1.0 forbids removed."""
    return _XML_ILLEGAL.sub("", "" if value is None else str(value))


def post_url(note: Note) -> str:
    """The note's absolute permalink (``/notes/<slug>`` under ``SITE_URL``): the entry id."""
    return absolute_url("public.note", slug=note.slug)


@dataclass(frozen=True)
class Image:
    """A photo attached to a post."""

    url: str
    alt: str
    mime_type: str | None
    size: int | None = None  # bytes, when the image is stored on this site


@dataclass(frozen=True)
class FeedItem:
    """A note as every feed format sees it; text fields are already XML-clean."""

    id: str
    url: str
    name: str | None  # the owner's title (articles); None for notes
    title: str  # ``name`` or one derived from the text, for formats that require a title
    html: str  # full sanitized content, every URL absolute
    published: datetime
    updated: datetime
    modified: datetime | None
    tags: tuple[str, ...]
    images: tuple[Image, ...]


def feed_item(note: Note, media: Mapping[str, Media] | None = None) -> FeedItem:
    """Build the feed entry for a published note.

    ``media`` maps photo URLs to the site's stored images (type and size for enclosures).
    """
    url = post_url(note)
    images = _images(note, media or {})
    html = context_html(note) + photos_html(images) + absolute_html(note.html, url)
    return FeedItem(
        id=url,
        url=url,
        name=xml_clean(note.name) if note.name else None,
        title=xml_clean(derive_title(note)),
        html=xml_clean(html),
        published=note.published,
        updated=note.updated or note.published,
        modified=note.updated,
        tags=tuple(xml_clean(tag) for tag in note.tags),
        images=tuple(images),
    )


def absolute_html(html: str, base: str) -> str:
    """``html`` (already sanitized) with every link and image URL made absolute against ``base``."""
    return sanitize_html(html, base=base)


def context_html(note: Note) -> str:
    """A line naming what a reply, like, repost or bookmark is about, as HTML ('' if none)."""
    return "".join(
        f'<p>{words} <a href="{escape(url)}">{escape(url)}</a></p>\n'
        for _css, words, url in contexts(note)
    )


def photos_html(images: list[Image]) -> str:
    """The post's photos as HTML, since many readers ignore enclosures ('' if none)."""
    return "".join(
        f'<p><img src="{escape(image.url)}" alt="{escape(image.alt)}"></p>\n' for image in images
    )


def derive_title(note: Note) -> str:
    """The note's name, else its first words (about 60 characters), else what kind it is."""
    if note.name:
        return note.name
    words = plain_text(note.html).split()
    if words:
        title = ""
        for word in words:
            candidate = f"{title} {word}".strip()
            if len(candidate) > TITLE_LENGTH:
                return (title or word[:TITLE_LENGTH]) + "…"
            title = candidate
        return title
    for _css, words, url in contexts(note):
        return f"{words} {url}"
    return _KIND_TITLES.get(note.kind, "Note")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("sup", "section"):  # footnote markers and the footnotes themselves
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("sup", "section") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def plain_text(html: str) -> str:
    """The visible text of sanitized ``html`` (footnotes left out), whitespace collapsed."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return " ".join(" ".join(collector.parts).split())


def _images(note: Note, media: Mapping[str, Media]) -> list[Image]:
    images = []
    for url, alt in photos(note):
        stored = media.get(url)
        if stored is not None:
            mime, size = stored.content_type, stored.size
        else:
            mime, _ = mimetypes.guess_type(urlsplit(url).path)
            mime, size = (mime if mime and mime.startswith("image/") else None), None
        images.append(Image(url=xml_clean(url), alt=xml_clean(alt), mime_type=mime, size=size))
    return images
