"""Login and logout pages (blueprint ``auth``) and the DEV_MODE one-click login."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, flash, render_template, request, url_for

from starpunk.auth import owner_logged_in, safe_next, site_redirect
from starpunk.auth.devmode import dev_login_allowed
from starpunk.auth.passwords import stored_hash, verify_password
from starpunk.auth.sessions import end_current_session, start_owner_session
from starpunk.database import get_db
from starpunk.errors import NotFound, RateLimited
from starpunk.ratelimit import check_rate

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__, url_prefix="/auth")

#: Login attempts allowed per client address: (attempts, window in seconds).
LOGIN_LIMIT = (10, 300)
FAILURE_MESSAGE = "That password is not correct."


def _client() -> str:
    return request.remote_addr or "unknown"


def _target() -> str:
    return safe_next(request.values.get("next")) or url_for("admin.dashboard")


def _page(error: str | None = None, status: int = 200) -> tuple[str, int]:
    html = render_template(
        "auth/login.html",
        error=error,
        next=safe_next(request.values.get("next")) or "",
        password_set=stored_hash(get_db()) is not None,
        external_login="indielogin.start" in current_app.view_functions,
    )
    return html, status


@bp.get("/login")
def login() -> Any:
    """The sign-in form (or straight on to ``next`` when already signed in)."""
    if owner_logged_in():
        return site_redirect(_target())
    return _page()


@bp.post("/login")
def login_post() -> Any:
    """Check the password (rate limited per client); start a new session on success."""
    try:
        check_rate("login", _client(), *LOGIN_LIMIT)
    except RateLimited:
        log.warning("login attempt refused: rate limited", extra={"client": _client()})
        raise
    stored = stored_hash(get_db())
    password = request.form.get("password", "")
    if stored is None or not verify_password(password, stored):
        log.warning(
            "login attempt failed",
            extra={"client": _client(), "no_password_set": stored is None},
        )
        return _page(FAILURE_MESSAGE, 401)
    start_owner_session()
    log.info("login attempt succeeded", extra={"client": _client()})
    flash("Signed in.", "success")
    return site_redirect(_target())


@bp.post("/logout")
def logout() -> Any:
    """Sign this browser out (the session row is deleted)."""
    was_owner = owner_logged_in()
    end_current_session()
    if was_owner:
        log.info("owner signed out", extra={"client": _client()})
    flash("Signed out.", "success")
    return site_redirect(url_for("auth.login"))


@bp.post("/dev-login")
def dev_login() -> Any:
    """DEV_MODE only, on a localhost SITE_URL: sign in without a password."""
    if not dev_login_allowed():
        raise NotFound()
    start_owner_session()
    log.warning("DEV_MODE login without a password", extra={"client": _client()})
    flash("Signed in with the development login.", "success")
    return site_redirect(_target())
