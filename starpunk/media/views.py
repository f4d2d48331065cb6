"""``GET /media/...`` (the stored files) and ``POST /micropub/media`` (the Micropub media
endpoint: one multipart ``file`` part in, ``201 Created`` with an absolute ``Location`` out).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify, request, send_file

from starpunk.database import get_db
from starpunk.errors import BadRequest, NotFound, UnsupportedMediaType
from starpunk.indieauth.tokens import TokenInfo
from starpunk.media import save_upload
from starpunk.media.store import latest_media, media_root, served_file
from starpunk.micropub.auth import authenticate, require_scope

log = logging.getLogger(__name__)

bp = Blueprint("media", __name__)

ONE_YEAR = 365 * 86400
#: Scopes that may upload: ``media``, or ``create`` (a client that may post may attach).
UPLOAD_SCOPES = frozenset({"media", "create"})
#: Stored files are only ever images; nothing in them may run if opened directly.
_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")
MEDIA_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@bp.get("/media/<path:relpath>")
def serve(relpath: str) -> Response:
    """A stored file with its recorded type, a strong ETag and year-long immutable caching."""
    found = served_file(get_db(), relpath)
    if found is None:
        raise NotFound("No such media file.")
    content_type, etag = found
    path = media_root(current_app.config["DATA_PATH"]) / relpath
    if not path.is_file():
        log.warning("media file missing", extra={"path": relpath})
        raise NotFound("No such media file.")
    response = send_file(
        path, mimetype=content_type, etag=etag, conditional=True, max_age=ONE_YEAR
    )
    response.cache_control.public = True
    response.cache_control.immutable = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = MEDIA_CSP
    return response


def authorize_upload() -> TokenInfo:
    """The bearer token of this request (header or ``access_token`` form field, never both)
    if it may upload: the ``media`` or the ``create`` scope; 401 otherwise."""
    body_tokens = request.form.getlist("access_token") if request.mimetype in _FORMS else []
    info = authenticate(body_tokens)
    if not info.scopes & UPLOAD_SCOPES:
        require_scope(info, "media")
    return info


@bp.get("/micropub/media")
def last_upload() -> Response:
    """``q=last``: the URL of the latest upload (``{"url": null}`` before the first one)."""
    authorize_upload()
    if request.args.get("q") != "last":
        raise BadRequest("The media endpoint answers only q=last.")
    latest = latest_media(get_db())
    response = jsonify(url=latest.absolute_url if latest else None)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/micropub/media")
def endpoint() -> tuple[Response, int]:
    """The Micropub media endpoint: store the ``file`` part and answer with its URL."""
    info = authorize_upload()
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType("Send the file as multipart/form-data in a part named file.")
    files = request.files.getlist("file")
    if len(files) != 1:
        raise BadRequest("Send exactly one file, in a multipart part named file.")
    media = save_upload(get_db(), current_app.config["DATA_PATH"], files[0])
    log.info("media uploaded", extra={"media_id": media.id, "client_id": info.client_id})
    response = jsonify(url=media.absolute_url)
    response.headers["Location"] = media.absolute_url
    return response, 201
