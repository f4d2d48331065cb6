"""One exception hierarchy and one handler that answers JSON or HTML.

API clients (Micropub, the OAuth/IndieAuth endpoints, ``/api/``, and any client that
prefers JSON) get ``{"error": ..., "error_description": ...}``; browsers get a themed
HTML page. Every error is logged with the request's correlation id.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

#: Paths whose clients are programs: errors there are always JSON.
JSON_PATH_PREFIXES = ("/micropub", "/api/", "/indieauth/", "/health")
#: Paths under a JSON prefix that a person's browser opens (they get HTML pages).
HTML_PATHS = ("/indieauth/auth",)

#: Spec error codes for plain HTTP statuses.
_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "server_error",
    503: "temporarily_unavailable",
}
#: Headings for the HTML error page.
_TITLES = {
    400: "That request didn't make sense",
    401: "Please sign in",
    403: "Not allowed",
    404: "Page not found",
    405: "Method not allowed",
    406: "No acceptable format",
    410: "This is gone",
    413: "Too large",
    415: "Unsupported format",
    429: "Slow down",
    500: "Something broke",
    503: "Busy right now",
}


class StartupError(Exception):
    """A problem that stops the site from starting (bad configuration, failed migration)."""

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


class StarPunkError(Exception):
    """Base of every error the site answers on purpose."""

    status = 500
    error = "server_error"
    description = "Something went wrong on our side."

    def __init__(
        self,
        description: str | None = None,
        *,
        error: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(description or self.description)
        self.description = description or self.description
        self.error = error or self.error
        self.status = status or self.status
        self.headers = headers or {}


class BadRequest(StarPunkError):
    """The request is malformed or names something invalid."""

    status, error, description = 400, "invalid_request", "The request is not valid."


class Unauthorized(StarPunkError):
    """No credentials, or credentials that are not valid."""

    status, error, description = 401, "unauthorized", "Authentication is required."


class InsufficientScope(StarPunkError):
    """A valid token without the scope the action needs (401, as Micropub says)."""

    status, error, description = 401, "insufficient_scope", "The token lacks the needed scope."


class Forbidden(StarPunkError):
    """Authenticated, but not allowed."""

    status, error, description = 403, "forbidden", "You are not allowed to do that."


class NotFound(StarPunkError):
    """Nothing lives at this address."""

    status, error, description = 404, "not_found", "Nothing lives at this address."


class Gone(StarPunkError):
    """Something lived here and was deleted."""

    status, error, description = 410, "gone", "This was deleted."


class PayloadTooLarge(StarPunkError):
    """The body is bigger than ``MAX_CONTENT_LENGTH``."""

    status, error, description = 413, "payload_too_large", "The upload is too large."


class UnsupportedMediaType(StarPunkError):
    """A body in a content type the endpoint does not accept."""

    status, error = 415, "unsupported_media_type"
    description = "This content type is not supported here."


class RateLimited(StarPunkError):
    """Too many attempts; ``Retry-After`` says when to come back."""

    status, error, description = 429, "rate_limited", "Too many requests; try again later."


class ServiceUnavailable(StarPunkError):
    """The site cannot answer right now (database busy, dependency down)."""

    status, error = 503, "temporarily_unavailable"
    description = "The site is busy; try again in a moment."


def wants_json() -> bool:
    """Whether the current request should get a JSON error body."""
    path = request.path
    if path.startswith(HTML_PATHS):
        return False
    if path.startswith(JSON_PATH_PREFIXES):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes["application/json"] > (
        request.accept_mimetypes["text/html"]
    )


def error_response(status: int, error: str, description: str) -> Response:
    """Build the JSON or HTML answer for one error."""
    if wants_json():
        response = jsonify(error=error, error_description=description)
    else:
        html = render_template(
            "error.html",
            status=status,
            title=_TITLES.get(status, "Error"),
            description=description,
        )
        response = Response(html, mimetype="text/html")
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _rollback() -> None:
    conn = g.get("db")
    if conn is not None and conn.in_transaction:
        conn.rollback()


def _handle_starpunk(exc: StarPunkError) -> Response:
    level = logging.ERROR if exc.status >= 500 else logging.INFO
    log.log(level, "request failed", extra={"status": exc.status, "error": exc.error})
    if exc.status >= 500:
        _rollback()
    response = error_response(exc.status, exc.error, exc.description)
    response.headers.update(exc.headers)
    return response


def _handle_http(exc: HTTPException) -> Response:
    status = exc.code or 500
    log.info("request failed", extra={"status": status, "error": _CODES.get(status, "error")})
    response = error_response(status, _CODES.get(status, "error"), exc.description or "")
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _handle_unexpected(exc: Exception) -> Response:
    log.exception("unhandled error")
    _rollback()
    return error_response(500, "server_error", StarPunkError.description)


def register_error_handlers(app: Flask) -> None:
    """Install the one error handler for every kind of failure."""
    app.register_error_handler(StarPunkError, _handle_starpunk)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(Exception, _handle_unexpected)
