"""The owner's authentication: password, browser sessions, the login pages, dev login.

Other parts use three functions: :func:`owner_logged_in`, :func:`current_session` and
:func:`require_owner` (a ``before_request`` hook for a whole blueprint).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from flask import Flask, current_app, redirect, request
from werkzeug.wrappers import Response

from starpunk.auth.sessions import OwnerSession, current_session
from starpunk.errors import Unauthorized

__all__ = [
    "OwnerSession",
    "current_session",
    "init_app",
    "owner_logged_in",
    "require_owner",
    "safe_next",
    "site_redirect",
]


def owner_logged_in() -> bool:
    """Whether this request comes from the signed-in owner."""
    return current_session() is not None


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site (``/…``, not ``//…``), else None.

    Control characters are refused too: browsers drop tabs and newlines, so ``/\t/evil``
    would become ``//evil``.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    return target


def site_redirect(path: str, code: int = 303) -> Response:
    """A redirect to ``path`` (a site-relative path) as an absolute URL built from SITE_URL.

    The path is joined as ``./…`` so that one like ``/https://evil.example/`` stays a path
    under SITE_URL instead of becoming an absolute URL of its own.
    """
    return redirect(urljoin(current_app.config["SITE_URL"], "./" + path.lstrip("/")), code=code)


def require_owner() -> Any:
    """``before_request`` guard: GET/HEAD go to the login page, anything else gets 401."""
    if owner_logged_in():
        return None
    if request.method in ("GET", "HEAD"):
        from starpunk.http import absolute_url

        target = request.full_path.rstrip("?")
        return redirect(absolute_url("auth.login", next=target), code=302)
    raise Unauthorized("Sign in as the site's owner first.")


def init_app(app: Flask) -> None:
    """Register the login blueprint, the session cookie writer and the dev-mode checks."""
    from starpunk.auth import devmode, sessions, views

    sessions.init_app(app)
    devmode.init_app(app)
    app.register_blueprint(views.bp)
