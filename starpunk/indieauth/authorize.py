"""The authorization endpoint: request checks, the consent page, codes and their redemption.

GET shows the owner a consent page (after checking ``client_id`` and ``redirect_uri``:
a bad one gets an error page and never a redirect). The consent form posts to
``/indieauth/auth/consent`` (CSRF-protected) which issues a single-use code bound to the
client, redirect URL, PKCE challenge and approved scopes, stored only as a hash. A
client POSTing ``code`` back to ``/indieauth/auth`` (authentication only) gets ``me``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import current_app, redirect, render_template, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from starpunk.database import get_db, transaction
from starpunk.errors import BadRequest
from starpunk.indieauth import bp
from starpunk.indieauth.clients import (
    ClientError,
    ClientInfo,
    check_redirect,
    fetch_client_info,
    validate_client_id,
    validate_redirect_uri,
)
from starpunk.indieauth.tokens import (
    IDENTITY_SCOPES,
    SCOPES,
    hash_secret,
    iso,
    new_secret,
    normalise_scope,
    parse_iso,
    revoke_grant_tx,
    utcnow,
)

log = logging.getLogger(__name__)

CODE_LIFETIME = timedelta(minutes=10)
CONSENT_MAX_AGE = 3600
_PKCE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
SCOPE_LABELS = {
    "create": "Create new posts",
    "update": "Edit posts",
    "delete": "Delete posts",
    "undelete": "Restore deleted posts",
    "media": "Upload media",
    "draft": "Create drafts only",
    "profile": "See your profile (name, URL)",
    "email": "See your email address",
}


class OAuthError(Exception):
    """An OAuth error answer: ``error`` code, description and HTTP status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


class RedirectError(Exception):
    """An error to send back to a verified redirect_uri (RFC 6749 §4.1.2.1)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error, self.description = error, description


@dataclass(frozen=True)
class AuthRequest:
    """A checked authorization request."""

    client_id: str
    redirect_uri: str
    state: str
    scope: str
    code_challenge: str | None
    code_challenge_method: str | None
    client_name: str | None = None


def issuer() -> str:
    """Our issuer identifier: ``SITE_URL``."""
    return str(current_app.config["SITE_URL"])


def with_query(url: str, **params: str) -> str:
    """``url`` with ``params`` appended to its query string."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def s256(verifier: str) -> str:
    """The PKCE S256 challenge for ``verifier``."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def check_pkce(args: Any) -> tuple[str | None, str | None]:
    """The (challenge, method) of a request, or :class:`RedirectError`."""
    challenge = args.get("code_challenge")
    method = args.get("code_challenge_method")
    if not challenge:
        if current_app.config["INDIEAUTH_ALLOW_NO_PKCE"] and not method:
            return None, None
        raise RedirectError("invalid_request", "PKCE is required: send code_challenge (S256).")
    if (method or "plain") != "S256":
        raise RedirectError("invalid_request", "Only the S256 code_challenge_method is supported.")
    if not _PKCE.match(challenge):
        raise RedirectError("invalid_request", "code_challenge is malformed.")
    return challenge, "S256"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="indieauth-consent")


def parse_request(args: Any, client: ClientInfo, redirect_uri: str) -> AuthRequest:
    """The checked request for a verified client; :class:`RedirectError` otherwise."""
    if args.get("response_type") != "code":
        raise RedirectError("unsupported_response_type", "response_type must be code.")
    state = args.get("state")
    if not state:
        raise RedirectError("invalid_request", "state is required.")
    challenge, method = check_pkce(args)
    return AuthRequest(
        client.client_id, redirect_uri, state, normalise_scope(args.get("scope")), challenge,
        method, client.name,
    )


def error_redirect(redirect_uri: str, error: str, description: str, state: str | None) -> Response:
    """Send an OAuth error back to a verified redirect_uri, with ``state`` and ``iss``."""
    params = {"error": error, "error_description": description}
    if state:
        params["state"] = state
    params["iss"] = issuer()
    return redirect(with_query(redirect_uri, **params), code=302)


def client_error_page(message: str) -> tuple[str, int]:
    """The HTML error page for a bad client_id/redirect_uri (never a redirect)."""
    return render_template("indieauth/error.html", message=message), 400


@bp.get("/indieauth/auth")
def authorization() -> Any:
    """Show the consent page for a valid request (the owner must be signed in).

    A bad client_id or redirect_uri gets an error page, never a redirect; the client is
    fetched only once the owner is signed in.
    """
    from starpunk.auth import owner_logged_in

    args = request.args
    try:
        client_id = validate_client_id(args.get("client_id"))
        redirect_uri = validate_redirect_uri(args.get("redirect_uri"))
    except ClientError as exc:
        return client_error_page(str(exc))
    if not owner_logged_in():
        return redirect(url_for("auth.login", next=request.full_path))
    try:
        client = fetch_client_info(client_id)
        check_redirect(client, redirect_uri)
    except ClientError as exc:
        return client_error_page(str(exc))
    try:
        auth = parse_request(args, client, redirect_uri)
    except RedirectError as exc:
        return error_redirect(redirect_uri, exc.error, exc.description, args.get("state"))
    requested = auth.scope.split()
    return render_template(
        "indieauth/consent.html",
        client=client,
        auth=auth,
        signed=_serializer().dumps(auth.__dict__),
        scopes=[(s, SCOPE_LABELS[s]) for s in SCOPES if s in requested],
        authentication_only=not (set(requested) - IDENTITY_SCOPES),
        me=current_app.config["ADMIN_ME"],
    )


@bp.post("/indieauth/auth/consent")
def consent() -> Any:
    """The owner approves (with possibly fewer scopes) or denies; redirect to the client."""
    from starpunk.auth import owner_logged_in

    if not owner_logged_in():
        raise BadRequest("Your session ended; start the sign-in from the application again.")
    try:
        data = _serializer().loads(request.form.get("request", ""), max_age=CONSENT_MAX_AGE)
        auth = AuthRequest(**data)
    except (BadSignature, TypeError) as exc:
        raise BadRequest("This authorization request is not valid or has expired.") from exc
    if request.form.get("action") != "approve":
        log.info("authorization denied", extra={"client_id": auth.client_id})
        return error_redirect(
            auth.redirect_uri, "access_denied", "The owner denied the request.", auth.state
        )
    chosen = set(request.form.getlist("scope")) & set(auth.scope.split())
    scope = normalise_scope(" ".join(chosen))
    code = create_code(get_db(), auth, scope)
    log.info("authorization approved", extra={"client_id": auth.client_id, "scope": scope})
    target = with_query(auth.redirect_uri, code=code, state=auth.state, iss=issuer())
    return redirect(target, code=302)


def create_code(conn: sqlite3.Connection, auth: AuthRequest, scope: str) -> str:
    """Store a new single-use code (hashed) for ``auth`` and return it."""
    raw = new_secret()
    now = utcnow()
    with transaction(conn):
        conn.execute(
            "INSERT INTO indieauth_codes (code_hash, client_id, redirect_uri, code_challenge,"
            " code_challenge_method, scope, me, client_name, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                hash_secret(raw), auth.client_id, auth.redirect_uri, auth.code_challenge,
                auth.code_challenge_method, scope, current_app.config["ADMIN_ME"],
                auth.client_name, iso(now), iso(now + CODE_LIFETIME),
            ),
        )
    return raw


def _code_problem(row: sqlite3.Row, form: Any, client_id: str) -> str | None:
    if parse_iso(row["expires_at"]) <= utcnow():
        return "The authorization code has expired."
    if row["client_id"] != client_id:
        return "The authorization code was issued to another client."
    if row["redirect_uri"] != form.get("redirect_uri"):
        return "redirect_uri does not match the authorization request."
    verifier = form.get("code_verifier")
    if row["code_challenge"]:
        if not verifier or not _PKCE.match(verifier):
            return "A valid code_verifier is required."
        if not hmac.compare_digest(s256(verifier), row["code_challenge"]):
            return "code_verifier does not match the code_challenge."
    elif verifier:
        return "code_verifier sent for a request without code_challenge."
    return None


def redeem_code(conn: sqlite3.Connection, form: Any) -> sqlite3.Row:
    """Redeem a code once (any attempt uses it up); :class:`OAuthError` if it is not valid.

    Presenting a code again revokes the grant issued from it.
    """
    raw = form.get("code")
    if not raw or not form.get("redirect_uri") or not form.get("client_id"):
        raise OAuthError("invalid_request", "code, client_id and redirect_uri are required.")
    try:
        client_id = validate_client_id(form.get("client_id"))
    except ClientError as exc:
        raise OAuthError("invalid_client", str(exc), 401) from exc
    with transaction(conn):
        row = conn.execute(
            "SELECT * FROM indieauth_codes WHERE code_hash = ?", (hash_secret(raw),)
        ).fetchone()
        problem = None if row is not None else "The authorization code is not valid."
        if row is not None and row["used_at"]:
            problem = "The authorization code was already used."
            if row["grant_id"]:
                revoke_grant_tx(conn, row["grant_id"])
                log.warning("code reused: grant revoked", extra={"grant_id": row["grant_id"]})
        elif row is not None:
            conn.execute(
                "UPDATE indieauth_codes SET used_at = ? WHERE id = ?", (iso(utcnow()), row["id"])
            )
            problem = _code_problem(row, form, client_id)
    if problem is not None:
        raise OAuthError("invalid_grant", problem)
    assert row is not None
    return row
