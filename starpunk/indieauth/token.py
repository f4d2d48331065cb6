"""Token, code-redemption, introspection, revocation and userinfo endpoints (JSON, no CSRF).

Every error is an OAuth JSON error with status 400 (``invalid_client``: 401); nothing
here answers 500 for a bad request. Requests are rate limited per client address.

Introspection (RFC 7662 §2.1 says the endpoint MUST require authorization) needs a
bearer token issued by this server: a resource server may use the very token it is
checking. Without one it answers 401, so the endpoint cannot be used to probe tokens
anonymously.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, current_app, jsonify, request

from starpunk.database import get_db, transaction
from starpunk.errors import Forbidden, Unauthorized
from starpunk.indieauth import bp
from starpunk.indieauth.authorize import OAuthError, redeem_code
from starpunk.indieauth.tokens import (
    RefreshError,
    create_grant,
    issue_tokens,
    lookup_access,
    revoke_token,
    rotate_refresh,
)
from starpunk.indieauth.tokens import (
    introspect as introspect_token,
)

log = logging.getLogger(__name__)

RATE_LIMIT = (30, 60)  # requests per window seconds, per client address


def _limit(bucket: str) -> None:
    from starpunk.ratelimit import check_rate

    check_rate(bucket, request.remote_addr or "unknown", *RATE_LIMIT)


def _json(payload: dict[str, Any], status: int = 200) -> Response:
    response = jsonify(payload)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def oauth_error(exc: OAuthError) -> Response:
    """The OAuth JSON error answer for ``exc``."""
    log.info("oauth error", extra={"error": exc.error, "status": exc.status})
    response = _json({"error": exc.error, "error_description": exc.description}, exc.status)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_client"'
    return response


def bearer_token() -> str | None:
    """The token from ``Authorization: Bearer ...`` (None when absent)."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _bearer_row() -> Any:
    raw = bearer_token()
    row = lookup_access(get_db(), raw) if raw else None
    if row is None:
        raise Unauthorized(
            "A valid bearer token is required.",
            error="invalid_token",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return row


def profile() -> dict[str, str]:
    """The owner's profile for the ``profile`` scope."""
    cfg = current_app.config
    info = {"name": cfg["SITE_AUTHOR"] or cfg["SITE_NAME"], "url": cfg["ADMIN_ME"]}
    return info


def _token_answer(issued: Any, grant: Any) -> Response:
    body: dict[str, Any] = {
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "scope": grant["scope"],
        "me": grant["me"],
    }
    if issued.expires_in:
        body["expires_in"] = issued.expires_in
    if issued.refresh_token:
        body["refresh_token"] = issued.refresh_token
    if "profile" in grant["scope"].split():
        body["profile"] = profile()
    return _json(body)


def _authorization_code_grant() -> Response:
    conn = get_db()
    code = redeem_code(conn, request.form)
    if not code["scope"]:
        raise OAuthError(
            "invalid_grant", "This code was issued without scope: redeem it at the "
            "authorization endpoint for the user's identity."
        )
    cfg = current_app.config
    with transaction(conn):
        grant_id = create_grant(
            conn, client_id=code["client_id"], scope=code["scope"], me=code["me"],
            source="authorization_code", client_name=code["client_name"],
        )
        conn.execute("UPDATE indieauth_codes SET grant_id = ? WHERE id = ?", (grant_id, code["id"]))
        issued = issue_tokens(
            conn, grant_id, access_lifetime=cfg["ACCESS_TOKEN_LIFETIME"],
            refresh_lifetime=cfg["REFRESH_TOKEN_LIFETIME"],
        )
        grant = conn.execute("SELECT * FROM indieauth_grants WHERE id = ?", (grant_id,)).fetchone()
    log.info("tokens issued", extra={"grant_id": grant_id, "client_id": code["client_id"]})
    return _token_answer(issued, grant)


def _refresh_grant() -> Response:
    from starpunk.indieauth.clients import ClientError, validate_client_id

    form = request.form
    if not form.get("refresh_token") or not form.get("client_id"):
        raise OAuthError("invalid_request", "refresh_token and client_id are required.")
    try:
        client_id = validate_client_id(form["client_id"])
    except ClientError as exc:
        raise OAuthError("invalid_client", str(exc), 401) from exc
    cfg = current_app.config
    try:
        issued, grant = rotate_refresh(
            get_db(), form["refresh_token"], client_id,
            access_lifetime=cfg["ACCESS_TOKEN_LIFETIME"],
            refresh_lifetime=cfg["REFRESH_TOKEN_LIFETIME"], scope=form.get("scope"),
        )
    except RefreshError as exc:
        raise OAuthError("invalid_grant", str(exc)) from exc
    log.info("tokens refreshed", extra={"grant_id": grant["id"]})
    return _token_answer(issued, grant)


@bp.route("/indieauth/token", methods=["GET", "POST"])
def token() -> Response:
    """Issue tokens (POST) or verify one the legacy way (GET with a bearer token)."""
    _limit("indieauth-token")
    if request.method == "GET":
        row = _bearer_row()
        return _json({"me": row["me"], "client_id": row["client_id"], "scope": row["scope"]})
    if request.form.get("action") == "revoke":  # the pre-RFC 7009 revocation form
        revoke_token(get_db(), request.form.get("token", ""))
        return _json({})
    grant_type = request.form.get("grant_type")
    try:
        if grant_type == "authorization_code":
            return _authorization_code_grant()
        if grant_type == "refresh_token":
            return _refresh_grant()
        if not grant_type:
            raise OAuthError("invalid_request", "grant_type is required.")
        raise OAuthError("unsupported_grant_type", "Supported: authorization_code, refresh_token.")
    except OAuthError as exc:
        return oauth_error(exc)


@bp.post("/indieauth/auth")
def redeem() -> Response:
    """Authentication only: exchange a code for the owner's identity (``me``, ``profile``)."""
    _limit("indieauth-token")
    try:
        if request.form.get("grant_type", "authorization_code") != "authorization_code":
            raise OAuthError("unsupported_grant_type", "Only authorization_code is supported here.")
        code = redeem_code(get_db(), request.form)
    except OAuthError as exc:
        return oauth_error(exc)
    body: dict[str, Any] = {"me": code["me"]}
    if "profile" in code["scope"].split():
        body["profile"] = profile()
    log.info("identity confirmed", extra={"client_id": code["client_id"]})
    return _json(body)


@bp.post("/indieauth/introspect")
def introspect() -> Response:
    """RFC 7662 introspection; the caller authenticates with a bearer token of ours."""
    _limit("indieauth-introspect")
    _bearer_row()
    return _json(introspect_token(get_db(), request.form.get("token", "")))


@bp.post("/indieauth/revoke")
def revoke() -> Response:
    """RFC 7009 revocation: 200 for any token; a known one is dead at once."""
    _limit("indieauth-revoke")
    if "token" not in request.form:
        return oauth_error(OAuthError("invalid_request", "token is required."))
    revoke_token(get_db(), request.form["token"])
    return _json({})


@bp.get("/indieauth/userinfo")
def userinfo() -> Response:
    """The owner's profile for a token with the ``profile`` scope."""
    row = _bearer_row()
    if "profile" not in row["scope"].split():
        raise Forbidden("The token lacks the profile scope.", error="insufficient_scope")
    return _json(profile())
