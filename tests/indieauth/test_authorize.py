"""The authorization endpoint: request checks, consent, codes, denial."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pytest_httpserver import HTTPServer

from starpunk.database import get_db
from starpunk.indieauth.tokens import hash_secret
from tests.auth.helpers import login_owner
from tests.indieauth.helpers import pkce

H_APP = ('<html><body><div class="h-app"><img class="u-logo" src="/logo.png" alt="">'
         '<a class="u-url p-name" href="/">Quillish</a></div>'
         '<link rel="redirect_uri" href="https://listed.example/cb"></body></html>')


@pytest.fixture
def quill(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request("/").respond_with_data(H_APP, content_type="text/html")
    return httpserver


@pytest.fixture
def app(app_factory) -> Flask:
    return app_factory(FETCH_ALLOW_PRIVATE=True)


@pytest.fixture
def owner(app: Flask) -> FlaskClient:
    client = app.test_client()
    login_owner(app, client)
    return client


def params(quill: HTTPServer, **change: Any) -> dict[str, str]:
    _, challenge = pkce()
    base = {"response_type": "code", "client_id": quill.url_for("/"),
            "redirect_uri": quill.url_for("/callback"), "state": "st-123",
            "code_challenge": challenge, "code_challenge_method": "S256",
            "scope": "create update media profile", "me": "http://localhost/"}
    base.update(change)
    return {k: v for k, v in base.items() if v is not None}


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, html
    return match.group(1)


def location_query(resp: Any) -> dict[str, list[str]]:
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return parse_qs(urlsplit(resp.headers["Location"]).query)


def test_anonymous_is_sent_to_login(app: Flask, quill: HTTPServer) -> None:
    resp = app.test_client().get("/indieauth/auth", query_string=params(quill))
    assert resp.status_code == 302
    target = urlsplit(resp.headers["Location"])
    assert target.path == "/auth/login"
    assert parse_qs(target.query)["next"][0].startswith("/indieauth/auth?")
    assert quill.log == []  # nothing fetched for anonymous visitors


@pytest.mark.parametrize(
    "change",
    [
        {"client_id": None},
        {"client_id": "http://client.example/"},
        {"client_id": "https://client.example/#x"},
        {"redirect_uri": None},
        {"redirect_uri": "javascript:alert(1)"},
    ],
)
def test_bad_client_or_redirect_gets_an_error_page(owner: FlaskClient, quill: HTTPServer,
                                                   change: dict) -> None:
    resp = owner.get("/indieauth/auth", query_string=params(quill, **change))
    assert resp.status_code == 400 and "Location" not in resp.headers
    assert resp.mimetype == "text/html" and "can't be authorized" in resp.get_data(True)


def test_foreign_redirect_host_is_refused(owner: FlaskClient, quill: HTTPServer) -> None:
    for target in ("https://attacker.example/cb", f"http://127.0.0.1:{quill.port}/callback"):
        resp = owner.get("/indieauth/auth", query_string=params(quill, redirect_uri=target))
        assert resp.status_code == 400 and "Location" not in resp.headers
    listed = owner.get("/indieauth/auth",
                       query_string=params(quill, redirect_uri="https://listed.example/cb"))
    assert listed.status_code == 200


def test_unknown_client_is_refused(owner: FlaskClient, quill: HTTPServer) -> None:
    resp = owner.get("/indieauth/auth", query_string=params(
        quill, client_id="https://unknown-client.invalid/",
        redirect_uri="https://unknown-client.invalid/cb"))
    assert resp.status_code == 400 and "Location" not in resp.headers


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge": "short", "code_challenge_method": "S256"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": None}, "unsupported_response_type"),
        ({"state": None}, "invalid_request"),
    ],
)
def test_request_errors_go_back_to_the_client(owner: FlaskClient, quill: HTTPServer,
                                              change: dict, error: str) -> None:
    query = location_query(owner.get("/indieauth/auth", query_string=params(quill, **change)))
    assert query["error"] == [error] and query["iss"] == ["http://localhost/"]
    assert "code" not in query


def test_plain_is_refused_even_when_pkce_is_optional(app_factory, quill: HTTPServer) -> None:
    app = app_factory(FETCH_ALLOW_PRIVATE=True, INDIEAUTH_ALLOW_NO_PKCE=True)
    client = app.test_client()
    login_owner(app, client)
    query = location_query(client.get("/indieauth/auth", query_string=params(
        quill, code_challenge_method="plain")))
    assert query["error"] == ["invalid_request"]
    ok = client.get("/indieauth/auth", query_string=params(
        quill, code_challenge=None, code_challenge_method=None))
    assert ok.status_code == 200


def test_consent_issues_a_code_with_narrowed_scope(app: Flask, owner: FlaskClient,
                                                    quill: HTTPServer) -> None:
    page = owner.get("/indieauth/auth", query_string=params(quill))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Quillish" in html and quill.url_for("/logo.png") in html
    for scope in ("create", "update", "media", "profile"):
        assert f'value="{scope}" checked' in html
    resp = owner.post("/indieauth/auth/consent", data={
        "csrf_token": hidden(html, "csrf_token"), "request": hidden(html, "request"),
        "action": "approve", "scope": ["create", "profile", "delete"]})
    query = location_query(resp)
    assert resp.headers["Location"].startswith(quill.url_for("/callback") + "?")
    assert query["state"] == ["st-123"] and query["iss"] == ["http://localhost/"]
    with app.app_context():
        row = get_db().execute("SELECT * FROM indieauth_codes WHERE code_hash = ?",
                               (hash_secret(query["code"][0]),)).fetchone()
    assert row["scope"] == "create profile" and row["client_id"] == quill.url_for("/")
    assert row["code_challenge_method"] == "S256" and row["used_at"] is None


def test_consent_needs_the_signed_in_owner(app: Flask, owner: FlaskClient,
                                           quill: HTTPServer) -> None:
    from tests.auth.helpers import csrf_token

    html = owner.get("/indieauth/auth", query_string=params(quill)).get_data(as_text=True)
    stranger = app.test_client()  # a valid form token of its own and a leaked signed request
    resp = stranger.post("/indieauth/auth/consent", data={
        "csrf_token": csrf_token(stranger), "request": hidden(html, "request"),
        "action": "approve", "scope": ["create"]})
    assert resp.status_code == 400 and "Location" not in resp.headers
    with app.app_context():
        assert get_db().execute("SELECT COUNT(*) FROM indieauth_codes").fetchone()[0] == 0


def test_deny(owner: FlaskClient, quill: HTTPServer) -> None:
    html = owner.get("/indieauth/auth", query_string=params(quill)).get_data(as_text=True)
    resp = owner.post("/indieauth/auth/consent", data={
        "csrf_token": hidden(html, "csrf_token"), "request": hidden(html, "request"),
        "action": "deny"})
    query = location_query(resp)
    assert query["error"] == ["access_denied"] and query["state"] == ["st-123"]
    assert "code" not in query


def test_consent_needs_csrf_and_an_intact_request(app: Flask, owner: FlaskClient,
                                                  quill: HTTPServer) -> None:
    html = owner.get("/indieauth/auth", query_string=params(quill)).get_data(as_text=True)
    signed = hidden(html, "request")
    no_csrf = owner.post("/indieauth/auth/consent", data={"request": signed, "action": "approve"})
    assert no_csrf.status_code == 400
    tampered = owner.post("/indieauth/auth/consent", data={
        "csrf_token": hidden(html, "csrf_token"), "request": signed[:-3] + "abc",
        "action": "approve"})
    assert tampered.status_code == 400 and "Location" not in tampered.headers
    other = app.test_client()  # not signed in
    assert other.post("/indieauth/auth/consent", data={"request": signed}).status_code == 400
