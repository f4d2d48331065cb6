"""The Micropub endpoint: ``POST`` creates, updates, deletes and undeletes; ``GET`` queries.

Every answer is JSON; errors carry the spec's codes (``invalid_request``, ``unauthorized``,
``insufficient_scope``, ``forbidden``) through :mod:`starpunk.errors`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Request, Response, current_app, jsonify, request
from werkzeug.datastructures import FileStorage

from starpunk.database import get_db
from starpunk.errors import BadRequest, UnsupportedMediaType
from starpunk.indieauth.tokens import TokenInfo
from starpunk.media import save_upload
from starpunk.micropub import query
from starpunk.micropub.auth import authenticate, require_scope
from starpunk.micropub.mf2 import from_note, to_fields
from starpunk.micropub.parse import MicropubRequest, load_json, parse_form, parse_json
from starpunk.micropub.targets import syndication_targets
from starpunk.micropub.update import apply_operations, check_operations
from starpunk.micropub.urls import post_url, slug_from_url
from starpunk.notes import UNSET, create_note, delete_note, get_note, undelete_note, update_note
from starpunk.notes.slugs import base_slug

log = logging.getLogger(__name__)

bp = Blueprint("micropub", __name__)

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
JSON_TYPE = "application/json"


def _json(body: dict[str, Any], status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _uploaded_files(req: Request) -> dict[str, list[FileStorage]]:
    """The file parts of a multipart request by property (``photo[]`` counts as ``photo``)."""
    found: dict[str, list[FileStorage]] = {}
    for name in req.files:
        parts = [part for part in req.files.getlist(name) if part.filename]
        if parts:
            found.setdefault(name.removesuffix("[]"), []).extend(parts)
    return found


def _store_files(parsed: MicropubRequest, files: dict[str, list[FileStorage]],
                 info: TokenInfo) -> None:
    """Store the uploaded files of a create as media and add their URLs to its properties."""
    if parsed.action != "create":
        raise BadRequest("Files can only be sent with a create request.")
    if "create" not in info.scopes and "draft" not in info.scopes:
        require_scope(info, "create")
    for prop, parts in files.items():
        if prop != "photo":
            raise BadRequest(f"Only photo files can be uploaded, not {prop[:40]!r}.")
        urls = [save_upload(get_db(), current_app.config["DATA_PATH"], part).absolute_url
                for part in parts]
        parsed.properties["photo"] = [*parsed.properties.get("photo", []), *urls]


@bp.route("/micropub", methods=["GET", "POST"])
def endpoint() -> Response:
    """Micropub: queries on ``GET``, actions on ``POST`` (form, multipart or JSON)."""
    if request.method == "GET":
        authenticate([])
        return _json(query.answer(request.args.get("q")))
    is_form = request.mimetype in FORM_TYPES
    info = authenticate(request.form.getlist("access_token") if is_form else [])
    if is_form:
        parsed = parse_form(request.form.items(multi=True))
        files = _uploaded_files(request)
        if files:
            _store_files(parsed, files, info)
    elif request.mimetype == JSON_TYPE:
        parsed = parse_json(load_json(request.get_data()))
    else:
        raise UnsupportedMediaType(
            "Send application/json, application/x-www-form-urlencoded or multipart/form-data."
        )
    return _ACTIONS[parsed.action](parsed, info)


def _targets() -> set[str]:
    return {target["uid"] for target in syndication_targets()}


def _create(req: MicropubRequest, info: TokenInfo) -> Response:
    draft_only = "create" not in info.scopes and "draft" in info.scopes
    if not draft_only:
        require_scope(info, "create")
    if req.type != "h-entry":
        raise BadRequest(f"Only h-entry posts can be created here, not {req.type[:40]!r}.")
    fields = to_fields(req.properties, targets=_targets())
    slug = (base_slug(fields.slug) or None) if fields.slug is not None else None
    note = create_note(
        get_db(),
        current_app.config["DATA_PATH"],
        content=fields.content,
        name=fields.name,
        tags=fields.tags,
        status="draft" if draft_only else (fields.status or "published"),
        slug=slug,
        published=fields.published,
        properties=fields.properties,
    )
    log.info("micropub create", extra={"slug": note.slug, "client_id": info.client_id})
    response = Response(status=201)
    response.headers["Location"] = post_url(note.slug)
    return response


def _update(req: MicropubRequest, info: TokenInfo) -> Response:
    require_scope(info, "update")
    ops = check_operations(req.update)
    note = query.find_post(req.url or "")
    recorded = {v for v in note.properties.get("mp-syndicate-to", []) if isinstance(v, str)}
    fields = to_fields(
        apply_operations(from_note(note, with_updated=False), ops),
        targets=_targets() | recorded,
    )
    if fields.published != note.published:
        raise BadRequest("The published date of a post cannot be changed.")
    if fields.slug is not None:
        raise BadRequest("mp-slug cannot be changed by an update.")
    update_note(
        get_db(),
        current_app.config["DATA_PATH"],
        note.slug,
        content=fields.content,
        name=fields.name,
        tags=fields.tags,
        status=fields.status or UNSET,
        properties=fields.properties,
    )
    log.info("micropub update", extra={"slug": note.slug, "client_id": info.client_id})
    return Response(status=204)


def _set_deleted(req: MicropubRequest, info: TokenInfo) -> Response:
    require_scope(info, req.action)
    url = req.url or ""
    slug = slug_from_url(url)
    if get_note(get_db(), slug) is None:
        raise BadRequest(f"There is no post at {url[:200]!r}.")
    change = delete_note if req.action == "delete" else undelete_note
    change(get_db(), current_app.config["DATA_PATH"], slug)
    log.info("micropub %s", req.action, extra={"slug": slug, "client_id": info.client_id})
    return Response(status=204)


_ACTIONS: dict[str, Callable[[MicropubRequest, TokenInfo], Response]] = {
    "create": _create,
    "update": _update,
    "delete": _set_deleted,
    "undelete": _set_deleted,
}
