"""Between mf2 properties (what Micropub speaks) and the fields of a stored note.

One mapping serves create, update and ``q=source``: ``content``, ``name``, ``category``
(→ tags), ``published``, ``post-status`` and ``mp-slug`` have their own fields; every other
property (photo, in-reply-to, summary, syndication, ``mp-syndicate-to``, nested objects...)
is kept as given in the note's ``properties``, so nothing a client sends is lost.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from starpunk.errors import BadRequest
from starpunk.notes import Note
from starpunk.notes.model import STATUSES, format_time, normalize_tags, to_utc

#: Properties that hold one value at most.
SINGLE_VALUED = ("content", "name", "published", "post-status", "mp-slug")
#: Properties whose values are links (or objects carrying a ``value`` link).
URL_PROPERTIES = frozenset(
    {"photo", "video", "audio", "in-reply-to", "like-of", "repost-of", "bookmark-of",
     "syndication"}
)  # fmt: skip
#: Set by the server only.
SERVER_PROPERTIES = frozenset({"updated", "deleted"})
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$", re.IGNORECASE)


@dataclass
class PostFields:
    """A post's note fields as given by mf2 properties (``None``: not given)."""

    content: str
    name: str | None
    tags: list[str]
    status: str | None
    published: datetime | None
    slug: str | None
    properties: dict[str, list]


def _one(props: dict[str, list], name: str) -> Any:
    values = props.get(name) or []
    if len(values) > 1:
        raise BadRequest(f"The {name!r} property takes one value, not {len(values)}.")
    return values[0] if values else None


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise BadRequest(f"The {name!r} property must be text.")
    return value


def content_text(value: Any) -> str:
    """A content value: a string, ``{"html": ...}`` (stored as is) or ``{"value": ...}``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("html", "value"):
            if isinstance(value.get(key), str):
                return value[key]
    raise BadRequest('The content must be text, {"html": ...} or {"value": ...}.')


def parse_published(value: Any) -> datetime:
    """An ISO 8601 date or date-time; a time without a zone is taken as UTC."""
    text = _text(value, "published").strip()
    try:
        when = datetime.fromisoformat(text.replace("z", "Z"))
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return to_utc(when)
    except (ValueError, OverflowError):
        raise BadRequest(f"The published date {text[:40]!r} is not ISO 8601.") from None


def _check_link(value: str, name: str) -> None:
    try:
        parts = urlsplit(value.strip())
    except ValueError:  # e.g. an unclosed IPv6 bracket
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadRequest(f"The {name!r} values must be absolute http(s) URLs.")


def _check_value(value: Any, name: str) -> None:
    if value is None or isinstance(value, list):
        raise BadRequest(f"The {name!r} values must be strings or objects.")
    if name in URL_PROPERTIES:
        if isinstance(value, str):
            _check_link(value, name)
        elif isinstance(value, dict) and "value" in value:
            _check_link(_text(value["value"], name), name)


def _tags(values: list) -> list[str]:
    for value in values:
        if not isinstance(value, str):
            raise BadRequest("Categories must be text (person tags are not supported).")
    return normalize_tags(values)


def to_fields(props: dict[str, list], *, targets: Iterable[str]) -> PostFields:
    """Validate mf2 ``props`` and split them into note fields; :class:`BadRequest` if invalid.

    ``targets`` are the syndication uids ``mp-syndicate-to`` may name.
    """
    extra: dict[str, list] = {}
    for name, values in props.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise BadRequest(f"{str(name)[:60]!r} is not a valid property name.")
        if not isinstance(values, list):
            raise BadRequest(f"The property {name!r} must be an array of values.")
        if name in SERVER_PROPERTIES:
            raise BadRequest(f"The {name!r} property is set by the server.")
        if name == "access_token":  # never stored where it could be published
            raise BadRequest("The access token goes in the Authorization header, not a property.")
        for value in values:
            _check_value(value, name)
        if values and name not in (*SINGLE_VALUED, "category"):
            extra[name] = copy.deepcopy(values)
    for name in SINGLE_VALUED:
        _one(props, name)
    allowed = set(targets)
    for uid in extra.get("mp-syndicate-to", []):
        if not isinstance(uid, str) or uid not in allowed:
            raise BadRequest(f"{str(uid)[:80]!r} is not a syndication target (see q=syndicate-to).")
    status = _one(props, "post-status")
    if status is not None and status not in STATUSES:
        raise BadRequest(f"post-status must be one of: {', '.join(STATUSES)}.")
    name = _one(props, "name")
    published = _one(props, "published")
    slug = _one(props, "mp-slug")
    return PostFields(
        content=content_text(_one(props, "content")),
        name=_text(name, "name") if name is not None else None,
        tags=_tags(props.get("category") or []),
        status=status,
        published=parse_published(published) if published is not None else None,
        slug=_text(slug, "mp-slug") if slug is not None else None,
        properties=extra,
    )


def from_note(note: Note, *, with_updated: bool = True) -> dict[str, list]:
    """The note as mf2 properties (what ``q=source`` answers and updates start from)."""
    props: dict[str, list] = {}
    if note.name:
        props["name"] = [note.name]
    if note.content:
        props["content"] = [note.content]
    props.update(copy.deepcopy(note.properties))
    if note.tags:
        props["category"] = list(note.tags)
    props["published"] = [format_time(note.published)]
    if with_updated and note.updated:
        props["updated"] = [format_time(note.updated)]
    props["post-status"] = [note.status]
    return props
