"""Micropub queries (``GET ?q=...``): config, source, syndicate-to and category."""

from __future__ import annotations

import re
from typing import Any

from flask import current_app, request

from starpunk.database import get_db
from starpunk.errors import BadRequest
from starpunk.http import absolute_url
from starpunk.micropub.mf2 import from_note
from starpunk.micropub.targets import syndication_targets
from starpunk.micropub.urls import post_url, slug_from_url
from starpunk.notes import Note, all_tags, get_note, list_all
from starpunk.notes.listing import MAX_LIMIT

QUERIES = ("config", "source", "syndicate-to", "category")
POST_TYPES = (
    ("note", "Note"), ("article", "Article"), ("reply", "Reply"), ("like", "Like"),
    ("repost", "Repost"), ("bookmark", "Bookmark"), ("photo", "Photo"),
)  # fmt: skip
DEFAULT_LIMIT = 20


def find_post(url: str) -> Note:
    """The live post at ``url``; 400 ``invalid_request`` when there is none or it is deleted."""
    slug = slug_from_url(url)
    note = get_note(get_db(), slug)
    if note is None:
        raise BadRequest(f"There is no post at {url[:200]!r}.")
    if note.is_deleted:
        raise BadRequest(f"The post at {url[:200]!r} is deleted; undelete it first.")
    return note


def answer(q: str | None) -> dict[str, Any]:
    """The JSON answer to ``q``; 400 ``invalid_request`` for a missing or unknown query."""
    if not q:
        raise BadRequest(f"The q parameter is missing; supported: {', '.join(QUERIES)}.")
    if q == "config":
        return config()
    if q == "syndicate-to":
        return {"syndicate-to": syndication_targets()}
    if q == "source":
        return source()
    if q == "category":
        return category(request.args.get("filter", ""))
    raise BadRequest(f"Unknown query {q[:40]!r}; supported: {', '.join(QUERIES)}.")


def config() -> dict[str, Any]:
    """``q=config``: endpoints, syndication targets, post types and supported queries."""
    body: dict[str, Any] = {}
    if "media.endpoint" in current_app.view_functions:
        body["media-endpoint"] = absolute_url("media.endpoint")
    body["syndicate-to"] = syndication_targets()
    body["post-types"] = [{"type": kind, "name": name} for kind, name in POST_TYPES]
    body["q"] = list(QUERIES)
    return body


def _wanted() -> list[str]:
    return request.args.getlist("properties[]") + request.args.getlist("properties")


def _pick(props: dict[str, list], wanted: list[str]) -> dict[str, list]:
    return {name: props[name] for name in wanted if name in props} if wanted else props


def source() -> dict[str, Any]:
    """``q=source``: one post's properties (``url``), or a page of posts newest first."""
    wanted = _wanted()
    url = request.args.get("url")
    if url is not None:
        props = _pick(from_note(find_post(url)), wanted)
        return {"properties": props} if wanted else {"type": ["h-entry"], "properties": props}
    raw_limit = request.args.get("limit", str(DEFAULT_LIMIT))
    if not re.fullmatch(r"[0-9]{1,4}", raw_limit) or not 1 <= int(raw_limit) <= MAX_LIMIT:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    page = list_all(
        get_db(), include_deleted=False, limit=int(raw_limit),
        before=request.args.get("after") or None,
    )
    items = []
    for note in page.notes:
        props = _pick(from_note(note), wanted)
        props["url"] = [post_url(note.slug)]
        items.append({"type": ["h-entry"], "properties": props})
    body: dict[str, Any] = {"items": items}
    if page.next_cursor:
        body["paging"] = {"after": page.next_cursor}
    return body


def category(text: str) -> dict[str, Any]:
    """``q=category``: tags of published posts, those containing ``filter`` when given."""
    needle = text.strip().lower()
    return {"categories": [tag for tag, _count in all_tags(get_db()) if needle in tag]}
