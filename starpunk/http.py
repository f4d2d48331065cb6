"""HTTP concerns shared by every response: security headers and absolute URLs from SITE_URL."""

from __future__ import annotations

from urllib.parse import urljoin

from flask import Flask, Response, current_app, request, url_for

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' https: data:",
        "media-src 'self' https:",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    )
)


def absolute_url(endpoint: str, **values: object) -> str:
    """An absolute URL for ``endpoint`` built from ``SITE_URL``, never from the request's host."""
    path = url_for(endpoint, **values)
    script_root = request.script_root if request else ""
    if script_root and path.startswith(script_root):
        path = path[len(script_root) :]
    return urljoin(current_app.config["SITE_URL"], path.lstrip("/"))


SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000")


def _security_headers(response: Response) -> Response:
    """Add each security header the view did not set itself (views may set a stricter one)."""
    headers = response.headers
    present = {name.lower() for name in headers.keys()}
    wanted = SECURITY_HEADERS
    if current_app.config["SITE_URL"].startswith("https://"):
        wanted = (*wanted, HSTS)
    for name, value in wanted:
        if name.lower() not in present:
            headers.add(name, value)
    return response


def init_app(app: Flask) -> None:
    """Add the security headers to every response."""
    app.after_request(_security_headers)
    app.jinja_env.globals["absolute_url"] = absolute_url
