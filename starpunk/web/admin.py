"""The owner's admin (blueprint ``admin`` at ``/admin``): posts, the editor, sessions.

The whole blueprint requires the owner (``before_request``); every form carries the
CSRF token; every action ends with a flash message and a redirect; nothing needs
JavaScript. The editor also attaches photos (stored through :func:`starpunk.media.save_upload`
and kept as the post's ``photo`` property with alt text), reorders and removes them.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, flash, render_template, request, url_for
from werkzeug.wrappers import Response

from starpunk.auth import current_session, require_owner, safe_next, site_redirect
from starpunk.auth.sessions import active_sessions, end_current_session, end_session
from starpunk.database import get_db
from starpunk.errors import BadRequest, NotFound, PayloadTooLarge
from starpunk.media import media_by_url, save_upload
from starpunk.notes import create_note, delete_note, get_note, list_all, undelete_note, update_note
from starpunk.notes.model import Note, normalize_tags
from starpunk.notes.render import render_markdown
from starpunk.web.admin_helpers import (
    Photo,
    apply_photo_action,
    clean_alt,
    describe_device,
    excerpt,
    form_photos,
    note_photos,
    post_counts,
    split_tags,
    with_photos,
)

log = logging.getLogger(__name__)

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(require_owner)

PAGE_SIZE = 25
FILTERS = ("published", "draft", "deleted")


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_global()
def post_excerpt(note: Note) -> str:
    """The title or opening words of a post (for admin listings)."""
    return excerpt(note)


def _public_url(note: Note) -> str | None:
    if note.is_public and "public.note" in current_app.view_functions:
        return url_for("public.note", slug=note.slug)
    return None


@bp.get("/")
def dashboard() -> str:
    """Every post, newest first, filtered by status, paged by keyset cursors."""
    status = request.args.get("status") or None
    if status is not None and status not in FILTERS:
        raise BadRequest("Unknown filter.")
    page = list_all(
        get_db(),
        status=status,
        limit=PAGE_SIZE,
        before=request.args.get("before"),
        after=request.args.get("after"),
    )
    return render_template(
        "admin/dashboard.html",
        page=page,
        status=status,
        counts=post_counts(get_db()),
        public_url=_public_url,
        here=request.full_path.rstrip("?"),
    )


def _values(note: Note | None = None) -> dict[str, str]:
    """The editor's field values: from the form on POST, else from ``note``."""
    if request.method == "POST":
        return {k: request.form.get(k, "") for k in ("title", "content", "tags", "slug")}
    if note is None:
        return {"title": "", "content": "", "tags": "", "slug": ""}
    return {
        "title": note.name or "",
        "content": note.content,
        "tags": ", ".join(note.tags),
        "slug": note.slug,
    }


def _thumbnail(url: str) -> str:
    """The square thumbnail of one of our media URLs, else the URL itself."""
    media = media_by_url(get_db(), url)
    if media is None:
        return url
    thumb = media.variant("thumb")
    return thumb.url if thumb else media.url


def _editor(
    note: Note | None,
    *,
    photos: list[Photo] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Any:
    values = _values(note)
    if photos is None and request.method == "POST":
        photos = form_photos(request.form)
    elif photos is None:
        photos = note_photos(note.properties) if note else []
    rows = [{**photo, "thumb": _thumbnail(photo["value"])} for photo in photos]
    preview = None
    if request.method == "POST" and request.form.get("action") == "preview" and not error:
        try:
            tags = normalize_tags(split_tags(values["tags"]))
        except BadRequest as exc:
            return _editor(note, photos=photos, error=exc.description, status=400)
        preview = {
            "title": " ".join(values["title"].split()),
            "html": render_markdown(values["content"]),
            "tags": tags,
        }
    html = render_template(
        "admin/editor.html",
        note=note,
        values=values,
        photos=rows,
        require_alt=current_app.config["MEDIA_REQUIRE_ALT"],
        preview=preview,
        error=error,
        public_url=_public_url(note) if note else None,
    )
    return html, status


def _attach_uploads(photos: list[Photo]) -> tuple[list[str], int]:
    """Store the files of the ``photos`` field and append them to ``photos``.

    Each file is stored on its own (``save_upload`` commits), so a refused file does not
    lose the others. Returns the messages for refused files and the status to answer with.
    """
    files = [part for part in request.files.getlist("photos") if part.filename]
    alts = request.form.getlist("new_photo_alt")
    problems: list[str] = []
    status = 400
    for index, part in enumerate(files):
        try:
            media = save_upload(get_db(), current_app.config["DATA_PATH"], part)
        except (BadRequest, PayloadTooLarge) as exc:
            problems.append(f"{(part.filename or 'upload')[:80]}: {exc.description}")
            status = max(status, exc.status)
            continue
        alt = clean_alt(alts[index] if index < len(alts) else "")
        photos.append({"value": media.absolute_url, "alt": alt})
        log.info("photo attached", extra={"media_id": media.id})
    return problems, status


def _photo_step(note: Note | None) -> tuple[list[Photo], Any | None]:
    """Attach uploads and apply photo actions for an editor POST.

    Returns the photos to save and, when the request must not save (preview, a photo
    action, a refused upload, a missing alt text), the re-rendered editor to answer with.
    """
    action = request.form.get("action", "draft")
    photos = form_photos(request.form)
    problems, status = _attach_uploads(photos)
    if problems:
        error = "Some files were not attached. " + " ".join(problems)
        return photos, _editor(note, photos=photos, error=error, status=status)
    if apply_photo_action(photos, action) or action in ("preview", "attach"):
        return photos, _editor(note, photos=photos)
    missing = [str(n) for n, photo in enumerate(photos, 1) if not photo["alt"]]
    if missing and current_app.config["MEDIA_REQUIRE_ALT"]:
        which = "photo " + missing[0] if len(missing) == 1 else "photos " + ", ".join(missing)
        error = (f"Add alt text to {which} before saving: describe what the picture shows "
                 "for people who cannot see it. Nothing was saved yet; your photos stay attached.")
        return photos, _editor(note, photos=photos, error=error, status=400)
    return photos, None


def _saved_message(note: Note, created: bool) -> str:
    label = f"“{excerpt(note, 50)}”"
    if note.status == "published":
        return f"Published {label}." if created else f"Updated {label}."
    return f"Saved {label} as a draft."


@bp.get("/new")
def new_post() -> Any:
    """An empty editor."""
    return _editor(None)


@bp.post("/new")
def create_post() -> Any:
    """Preview, attach photos, publish or save a new post as a draft."""
    action = request.form.get("action", "draft")
    photos, answer = _photo_step(None)
    if answer is not None:
        return answer
    values = _values()
    try:
        note = create_note(
            get_db(),
            current_app.config["DATA_PATH"],
            content=values["content"],
            name=values["title"] or None,
            tags=split_tags(values["tags"]),
            status="published" if action == "publish" else "draft",
            slug=values["slug"].strip() or None,
            properties=with_photos({}, photos),
        )
    except BadRequest as exc:
        return _editor(None, photos=photos, error=exc.description, status=400)
    log.info("post created", extra={"slug": note.slug, "status": note.status})
    flash(_saved_message(note, created=True), "success")
    return site_redirect(url_for("admin.edit_post", slug=note.slug))


def _existing(slug: str) -> Note:
    note = get_note(get_db(), slug)
    if note is None:
        raise NotFound("There is no such post.")
    return note


@bp.get("/posts/<slug>")
def edit_post(slug: str) -> Any:
    """The editor for one post (deleted posts offer a restore button instead)."""
    return _editor(_existing(slug))


@bp.post("/posts/<slug>")
def save_post(slug: str) -> Any:
    """Preview, attach photos, publish/update, or save a post as a draft."""
    note = _existing(slug)
    if note.is_deleted:
        flash("This post is in the trash; restore it before editing.", "error")
        return site_redirect(url_for("admin.edit_post", slug=slug))
    action = request.form.get("action", "draft")
    photos, answer = _photo_step(note)
    if answer is not None:
        return answer
    values = _values()
    changes: dict[str, Any] = {}
    new_slug = values["slug"].strip()
    if not note.slug_locked and new_slug and new_slug != note.slug:
        changes["new_slug"] = new_slug
    try:
        saved = update_note(
            get_db(),
            current_app.config["DATA_PATH"],
            slug,
            content=values["content"],
            name=values["title"] or None,
            tags=split_tags(values["tags"]),
            status="published" if action == "publish" else "draft",
            properties=with_photos(note.properties, photos),
            **changes,
        )
    except BadRequest as exc:
        return _editor(note, photos=photos, error=exc.description, status=400)
    log.info("post updated", extra={"slug": saved.slug, "status": saved.status})
    created = note.status == "draft" and saved.status == "published"
    flash(_saved_message(saved, created=created), "success")
    return site_redirect(url_for("admin.edit_post", slug=saved.slug))


def _back(default: str) -> Response:
    return site_redirect(safe_next(request.form.get("next")) or default)


@bp.post("/posts/<slug>/delete")
def delete_post(slug: str) -> Response:
    """Move a post to the trash (soft delete)."""
    note = delete_note(get_db(), current_app.config["DATA_PATH"], _existing(slug).slug)
    log.info("post deleted", extra={"slug": note.slug})
    flash(f"Moved “{excerpt(note, 50)}” to the trash.", "success")
    return _back(url_for("admin.dashboard"))


@bp.post("/posts/<slug>/restore")
def restore_post(slug: str) -> Response:
    """Bring a post back from the trash."""
    note = undelete_note(get_db(), current_app.config["DATA_PATH"], _existing(slug).slug)
    log.info("post restored", extra={"slug": note.slug})
    flash(f"Restored “{excerpt(note, 50)}”.", "success")
    return _back(url_for("admin.dashboard"))


@bp.get("/sessions")
def sessions() -> str:
    """Signed-in browsers with device, address and last use, each with an end button."""
    mine = current_session()
    return render_template(
        "admin/sessions.html",
        sessions=active_sessions(get_db()),
        current_id=mine.id if mine else None,
        describe_device=describe_device,
    )


@bp.post("/sessions/<int:session_id>/end")
def end_owner_session(session_id: int) -> Response:
    """End one session; ending this browser's own session signs it out."""
    mine = current_session()
    if mine is not None and mine.id == session_id:
        end_current_session()
        flash("You ended this browser's session and are signed out.", "success")
        return site_redirect(url_for("auth.login"))
    if not end_session(get_db(), session_id):
        raise NotFound("There is no such session.")
    log.info("owner session ended", extra={"session_id": session_id})
    flash("Session ended.", "success")
    return site_redirect(url_for("admin.sessions"))
