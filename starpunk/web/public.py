"""The public site: home feed, permalinks, tag pages and search (HTML and JSON).

Readers see published posts only. The signed-in owner also sees drafts (marked as such,
never cached); deleted posts answer 410 Gone. Listings use keyset cursors (``before`` /
``after``), so a page costs the same whatever the number of posts.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, render_template, request
from werkzeug.wrappers import Response

from starpunk.auth import owner_logged_in
from starpunk.database import get_db
from starpunk.errors import BadRequest, Gone, NotFound
from starpunk.http import absolute_url
from starpunk.notes import Note, get_note, list_notes
from starpunk.notes.listing import all_tags
from starpunk.notes.model import normalize_tag
from starpunk.notes.search import search_notes, validate_query
from starpunk.web.caching import PrivatePage, html_page
from starpunk.web.entries import photo_media

bp = Blueprint("public", __name__)

MAX_PAGE = 500


def _page_size() -> int:
    return current_app.config["POSTS_PER_PAGE"]


def _cursors() -> dict[str, str | None]:
    return {"before": request.args.get("before"), "after": request.args.get("after")}


@bp.get("/")
def index() -> Response:
    """The home page: the h-feed of published posts and the owner's h-card."""

    def render() -> str:
        page = list_notes(get_db(), limit=_page_size(), **_cursors())
        if not page.notes and (request.args.get("before") or request.args.get("after")):
            raise NotFound("There are no posts on this page.")
        return render_template("public/home.html", page=page, endpoint="public.index",
                               url_args={}, media=photo_media(page.notes))

    return html_page(render)


@bp.get("/notes/<slug>")
def note(slug: str) -> Response:
    """A post's permalink: its full h-entry. Drafts only for the owner; deleted → 410."""

    def render() -> str | PrivatePage:
        found = get_note(get_db(), slug)
        if found is None:
            raise NotFound("There is no post at this address.")
        if found.is_deleted:
            raise Gone("This post has been deleted.")
        if found.is_draft and not owner_logged_in():
            raise NotFound("There is no post at this address.")
        html = render_template("public/note.html", note=found, media=photo_media([found]))
        return PrivatePage(html) if found.is_draft else html

    return html_page(render)


@bp.get("/note/<slug>")
def old_note(slug: str) -> Response:
    """The earlier permalink form answers 301 to the canonical one."""
    return redirect(absolute_url("public.note", slug=slug), code=301)


@bp.get("/tag/<tag>")
def old_tag(tag: str) -> Response:
    """The earlier tag-page form answers 301 to the canonical one."""
    return redirect(absolute_url("public.tag", tag=normalize_tag(tag)), code=301)


@bp.get("/tags/")
def tags() -> Response:
    """Every tag in use on published posts, with its count."""
    return html_page(lambda: render_template("public/tags.html", tags=all_tags(get_db())))


@bp.get("/tags/<tag>")
def tag(tag: str) -> Response:
    """Published posts with ``tag`` (case-insensitive: other spellings redirect), paginated."""
    canonical = normalize_tag(tag)
    if not canonical:
        raise NotFound("There is no such tag.")
    if canonical != tag:
        return redirect(absolute_url("public.tag", tag=canonical, **request.args), code=301)

    def render() -> str:
        page = list_notes(get_db(), tag=canonical, limit=_page_size(), **_cursors())
        if not page.notes:
            raise NotFound(f"No published post is tagged “{canonical}”.")
        return render_template("public/tag.html", tag=canonical, page=page,
                               endpoint="public.tag", url_args={"tag": canonical},
                               media=photo_media(page.notes))

    return html_page(render)


def _page_number() -> int:
    try:
        number = int(request.args.get("page", "1"))
    except ValueError:
        number = 0
    if not 1 <= number <= MAX_PAGE:
        raise BadRequest(f"The page must be a number from 1 to {MAX_PAGE}.")
    return number


@bp.get("/search")
def search() -> Response:
    """The search page: highlighted snippets, pages of ``POSTS_PER_PAGE`` results."""
    query = request.args.get("q", "").strip()
    owner = owner_logged_in()
    if not query:
        return html_page(lambda: render_template("public/search.html", query="", results=None))
    try:
        validate_query(query)
        number = _page_number()
    except BadRequest as exc:
        message = exc.description
        return html_page(lambda: render_template("public/search.html", query=query,
                                                 results=None, error=message), status=400)
    size = _page_size()

    def render() -> str:
        results = search_notes(get_db(), query, include_drafts=owner, limit=size,
                               offset=(number - 1) * size)
        more = number * size < results.total and number < MAX_PAGE
        pages = {"prev": number - 1 if number > 1 else None, "next": number + 1 if more else None}
        return render_template("public/search.html", query=query, results=results,
                               page=number, pages=pages)

    return html_page(render, private=owner)


def _int_arg(name: str, default: int) -> int:
    try:
        return int(request.args.get(name, default))
    except ValueError as exc:
        raise BadRequest(f"{name} must be a whole number.") from exc


@bp.get("/api/search")
def api_search() -> Any:
    """Search as JSON: ``q``, ``limit`` (1–100, default 20) and ``offset``."""
    query = request.args.get("q", "")
    limit, offset = _int_arg("limit", 20), _int_arg("offset", 0)
    owner = owner_logged_in()
    results = search_notes(get_db(), query, include_drafts=owner, limit=limit, offset=offset)
    response = jsonify(
        query=query.strip(),
        total=results.total,
        limit=limit,
        offset=offset,
        items=[_search_item(note, snippet) for note, snippet in results.items],
    )
    response.headers["Cache-Control"] = "private, no-store" if owner else "public, max-age=60"
    return response


def _search_item(note: Note, snippet: str) -> dict[str, Any]:
    return {
        "url": absolute_url("public.note", slug=note.slug),
        "slug": note.slug,
        "kind": note.kind,
        "name": note.name,
        "status": note.status,
        "published": note.published.isoformat().replace("+00:00", "Z"),
        "snippet_html": snippet,
        "tags": note.tags,
    }
