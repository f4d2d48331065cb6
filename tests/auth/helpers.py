"""Helpers for owner-auth and admin tests: set the password, sign in, read CSRF tokens."""

from __future__ import annotations

import re

from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from starpunk.auth.passwords import set_password
from starpunk.cli import cli
from starpunk.database import get_db

PASSWORD = "correct horse battery staple"


def set_owner_password(app: Flask, password: str = PASSWORD) -> None:
    """Store the owner password directly (what `starpunk passwd` does)."""
    with app.app_context():
        set_password(get_db(), password)


def csrf_token(client: FlaskClient, path: str = "/auth/login") -> str:
    """The CSRF token of the form on ``path``."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def login_owner(app: Flask, client: FlaskClient, password: str = PASSWORD) -> None:
    """Set the password (if none) and sign ``client`` in as the owner."""
    with app.app_context():
        from starpunk.auth.passwords import stored_hash

        if stored_hash(get_db()) is None:
            set_password(get_db(), password)
    resp = client.post(
        "/auth/login", data={"csrf_token": csrf_token(client), "password": password}
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)


def session_cookie(client: FlaskClient) -> str | None:
    """The ``starpunk_session`` cookie value the client holds, if any."""
    cookie = client.get_cookie("starpunk_session")
    return cookie.value if cookie else None


def set_cookie_headers(resp: TestResponse) -> dict[str, str]:
    """The response's Set-Cookie headers by cookie name."""
    headers = {}
    for header in resp.headers.getlist("Set-Cookie"):
        headers[header.split("=", 1)[0]] = header
    return headers


def run_cli(app: Flask, *args: str, input: str | None = None) -> Result:
    """Run a ``starpunk`` command against ``app``'s data directory."""
    env = {"DATA_PATH": str(app.config["DATA_PATH"]), "SITE_URL": app.config["SITE_URL"],
           "SESSION_SECRET": app.config["SECRET_KEY"]}
    return CliRunner().invoke(cli, list(args), env=env, input=input)
