"""The :class:`Note` value object and the small rules every layer shares.

Times are UTC, to the second, written as ``YYYY-MM-DDTHH:MM:SSZ`` in files and rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from starpunk.errors import BadRequest

STATUSES = ("published", "draft")
KINDS = ("note", "article", "reply", "like", "bookmark", "repost", "photo")

#: Properties that decide the kind, in order of precedence (``name`` → article comes after).
_KIND_PROPERTIES = (
    ("in-reply-to", "reply"),
    ("like-of", "like"),
    ("repost-of", "repost"),
    ("bookmark-of", "bookmark"),
    ("photo", "photo"),
)
#: mf2 properties that have their own Note field, so they may not also sit in ``properties``.
RESERVED_PROPERTIES = frozenset(
    {"content", "name", "category", "published", "updated", "post-status", "deleted"}
)
MAX_TAG_LENGTH = 64

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_SPACES = re.compile(r"\s+")


@dataclass
class Note:
    """One post, as the store returns it (row and file agree on every field)."""

    id: int
    slug: str
    path: str
    status: str
    kind: str
    name: str | None
    content: str
    html: str
    published: datetime
    updated: datetime | None
    deleted_at: datetime | None
    tags: list[str]
    properties: dict[str, list]
    content_hash: str
    was_published: bool = False

    @property
    def is_deleted(self) -> bool:
        """Whether the note is soft-deleted."""
        return self.deleted_at is not None

    @property
    def is_draft(self) -> bool:
        """Whether the note is a draft."""
        return self.status == "draft"

    @property
    def is_public(self) -> bool:
        """Whether readers may see the note (published and not deleted)."""
        return self.status == "published" and self.deleted_at is None

    @property
    def slug_locked(self) -> bool:
        """A note that has ever been published keeps its slug (and path) for good."""
        return self.was_published or self.status == "published"


def derive_kind(name: str | None, properties: dict[str, list]) -> str:
    """The post kind its properties imply: reply, like, repost, bookmark, photo, article, note."""
    for prop, kind in _KIND_PROPERTIES:
        if properties.get(prop):
            return kind
    return "article" if name else "note"


def utc_now() -> datetime:
    """The current UTC time, truncated to the second."""
    return datetime.now(UTC).replace(microsecond=0)


def to_utc(value: datetime) -> datetime:
    """``value`` in UTC to the second; naive datetimes are refused (their zone is unknown)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise BadRequest("Dates must include a time zone.")
    return value.astimezone(UTC).replace(microsecond=0)


def format_time(value: datetime) -> str:
    """``value`` as ``YYYY-MM-DDTHH:MM:SSZ``."""
    v = to_utc(value)
    return f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}Z"


def parse_time(text: str) -> datetime:
    """Parse the exact ``YYYY-MM-DDTHH:MM:SSZ`` form written by :func:`format_time`."""
    if not isinstance(text, str) or not _TIME_RE.match(text):
        raise ValueError(f"not a UTC timestamp: {text!r}")
    return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC)


def note_relpath(slug: str, published: datetime) -> str:
    """Where a note's file lives, relative to ``DATA_PATH``: ``notes/YYYY/MM/<slug>.md``."""
    when = to_utc(published)
    return f"notes/{when.year:04d}/{when.month:02d}/{slug}.md"


def normalize_tag(tag: str) -> str:
    """A tag's canonical form: trimmed, no leading ``#``, lowercase, inner whitespace → ``-``."""
    text = _SPACES.sub("-", str(tag).strip().lstrip("#").strip().lower())
    return "".join(ch for ch in text if ch.isprintable() and ch not in "/?#")


def normalize_tags(tags: Iterable[str]) -> list[str]:
    """Canonical, de-duplicated tags in their first-seen order; over-long tags are refused."""
    if isinstance(tags, str):
        raise BadRequest("Tags must be a list of strings, not one string.")
    result: list[str] = []
    for raw in tags:
        if not isinstance(raw, str):
            raise BadRequest("Every tag must be a string.")
        tag = normalize_tag(raw)
        if len(tag) > MAX_TAG_LENGTH:
            raise BadRequest(f"Tags are limited to {MAX_TAG_LENGTH} characters: {raw[:80]!r}")
        if tag and tag not in result:
            result.append(tag)
    return result
