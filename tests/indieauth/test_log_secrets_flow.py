"""A whole flow (login, authorize, token, Micropub, media, refresh, logout) leaves no secret
in the log file, at DEBUG level, failures included."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from flask import Flask

from tests.auth.helpers import PASSWORD, csrf_token, set_owner_password
from tests.conftest import TEST_SECRET
from tests.indieauth.helpers import pkce
from tests.media.images import png

CLIENT = "http://127.0.0.1:9/app/"  # loopback: shown by its URL, never fetched here
REDIRECT = "http://127.0.0.1:9/app/callback"
WRONG_PASSWORD = "not-the-password-but-secret-too"


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, html
    return match.group(1)


def test_a_full_flow_logs_no_secret(app: Flask) -> None:
    set_owner_password(app)
    browser = app.test_client()
    form_token = csrf_token(browser)
    anonymous_session = browser.get_cookie("session").value
    failed = browser.post("/auth/login", data={"csrf_token": form_token,
                                               "password": WRONG_PASSWORD})
    assert failed.status_code == 401
    signed_in = browser.post("/auth/login", data={"csrf_token": form_token,
                                                  "password": PASSWORD})
    assert signed_in.status_code == 303
    session_value = browser.get_cookie("starpunk_session").value
    flask_session = browser.get_cookie("session").value

    verifier, challenge = pkce()
    page = browser.get("/indieauth/auth", query_string={
        "response_type": "code", "client_id": CLIENT, "redirect_uri": REDIRECT,
        "state": "state-value-1234", "code_challenge": challenge,
        "code_challenge_method": "S256", "scope": "create media profile"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    consent_token, signed_request = _hidden(html, "csrf_token"), _hidden(html, "request")
    approved = browser.post("/indieauth/auth/consent", data={
        "csrf_token": consent_token, "request": signed_request, "action": "approve",
        "scope": ["create", "media", "profile"]})
    code = parse_qs(urlsplit(approved.headers["Location"]).query)["code"][0]

    app_client = app.test_client()
    form = {"grant_type": "authorization_code", "code": code, "client_id": CLIENT,
            "redirect_uri": REDIRECT, "code_verifier": verifier}
    tokens = app_client.post("/indieauth/token", data=form).get_json()
    access, refresh = tokens["access_token"], tokens["refresh_token"]

    bearer = {"Authorization": f"Bearer {access}"}
    assert app_client.post("/micropub", headers=bearer,
                           data={"h": "entry", "content": "by header"}).status_code == 201
    assert app_client.post("/micropub", data={"h": "entry", "content": "by body",
                                              "access_token": access}).status_code == 201
    bad = "made-up-token-that-must-not-be-logged"
    assert app_client.post("/micropub", headers={"Authorization": f"Bearer {bad}"},
                           data={"h": "entry", "content": "x"}).status_code == 401
    upload = app_client.post("/micropub/media", headers=bearer, content_type="multipart/form-data",
                             data={"file": (io.BytesIO(png()), "a.png", "image/png")})
    assert upload.status_code == 201
    renewed = app_client.post("/indieauth/token", data={
        "grant_type": "refresh_token", "refresh_token": refresh, "client_id": CLIENT})
    assert renewed.status_code == 200
    new_access = renewed.get_json()["access_token"]
    assert app_client.post("/indieauth/introspect", headers={
        "Authorization": f"Bearer {new_access}"}, data={"token": new_access}).status_code == 200
    assert app_client.post("/indieauth/token", data=form).status_code == 400  # reuse: revoked
    browser.post("/auth/logout", data={"csrf_token": consent_token})

    log_text = (Path(app.config["DATA_PATH"]) / "logs" / "starpunk.log").read_text()
    for expected in ("login attempt failed", "authorization approved", "tokens issued",
                     "micropub create", "media uploaded", "tokens refreshed", "code reused",
                     "owner signed out"):
        assert expected in log_text
    secrets = {
        "password": PASSWORD, "wrong password": WRONG_PASSWORD, "session cookie": session_value,
        "flask session": flask_session, "anonymous flask session": anonymous_session,
        "csrf token": form_token, "consent token": consent_token,
        "signed request": signed_request, "code": code, "verifier": verifier,
        "access token": access, "refresh token": refresh, "new access token": new_access,
        "new refresh token": renewed.get_json()["refresh_token"], "bad token": bad,
        "secret key": TEST_SECRET,
    }
    for what, secret in secrets.items():
        assert secret not in log_text, what
