"""The login form: password check, generic failure, rate limit, logging, cookies, logout."""

from __future__ import annotations

from pathlib import Path

import pytest
import time_machine
from flask import Flask

from starpunk.auth.views import FAILURE_MESSAGE, LOGIN_LIMIT
from starpunk.database import get_db
from tests.auth.helpers import (
    PASSWORD,
    csrf_token,
    login_owner,
    session_cookie,
    set_cookie_headers,
    set_owner_password,
)


def _attempt(client, password: str, **extra: str):  # noqa: ANN001, ANN202
    return client.post("/auth/login", data={"csrf_token": csrf_token(client),
                                            "password": password, **extra})


def test_without_a_password_the_page_says_how_to_set_one(client) -> None:
    html = client.get("/auth/login").get_data(as_text=True)
    assert "starpunk passwd" in html
    assert 'name="password"' not in html


def test_without_a_password_nothing_signs_in(app: Flask, client) -> None:
    set_owner_password(app)
    token = csrf_token(client)
    with app.app_context():
        get_db().execute("DELETE FROM owner_password")
    resp = client.post("/auth/login", data={"csrf_token": token, "password": ""})
    assert resp.status_code == 401
    assert session_cookie(client) is None


def test_wrong_password_gets_one_generic_message(app: Flask, client) -> None:
    set_owner_password(app)
    resp = _attempt(client, "wrong password here")
    assert resp.status_code == 401
    assert FAILURE_MESSAGE in resp.get_data(as_text=True)
    assert session_cookie(client) is None
    assert client.get("/admin/").status_code == 302


def test_right_password_signs_in_and_goes_to_next(app: Flask, client) -> None:
    set_owner_password(app)
    resp = _attempt(client, PASSWORD, next="/admin/sessions")
    assert resp.status_code == 303
    assert resp.headers["Location"] == "http://localhost/admin/sessions"
    assert session_cookie(client)
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example",
                                    "javascript:alert(1)"])
def test_next_never_leaves_the_site(app: Flask, client, target: str) -> None:
    set_owner_password(app)
    resp = _attempt(client, PASSWORD, next=target)
    assert resp.headers["Location"] == "http://localhost/admin/"


@pytest.mark.parametrize("target", ["/https://evil.example/", "/http:evil.example",
                                    "/javascript:alert(1)", "/\t/evil.example", "/\x7f/x"])
def test_next_that_looks_like_a_url_stays_on_the_site(app: Flask, client, target: str) -> None:
    set_owner_password(app)
    signing_in = _attempt(client, PASSWORD, next=target)
    already_in = client.get("/auth/login", query_string={"next": target})
    for resp in (signing_in, already_in):
        assert resp.status_code == 303
        assert resp.headers["Location"].startswith("http://localhost/"), resp.headers["Location"]


def test_login_form_needs_its_csrf_token(app: Flask, client) -> None:
    set_owner_password(app)
    client.get("/auth/login")
    assert client.post("/auth/login", data={"password": PASSWORD}).status_code == 400
    assert client.post("/auth/login", data={"password": PASSWORD,
                                            "csrf_token": "forged"}).status_code == 400
    assert session_cookie(client) is None


def test_cookie_flags_on_http(app: Flask, client) -> None:
    set_owner_password(app)
    cookies = set_cookie_headers(_attempt(client, PASSWORD))
    for name in ("starpunk_session", "session"):
        header = cookies[name]
        assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
        assert "Secure" not in header
    assert "Max-Age=2592000" in cookies["starpunk_session"]


def test_cookies_are_secure_when_the_site_is_https(app_factory) -> None:
    app = app_factory(SITE_URL="https://example.com/", SESSION_LIFETIME_DAYS=7)
    set_owner_password(app)
    client = app.test_client()
    cookies = set_cookie_headers(_attempt(client, PASSWORD))
    assert "Secure" in cookies["starpunk_session"] and "Secure" in cookies["session"]
    assert "Max-Age=604800" in cookies["starpunk_session"]


def test_logout_deletes_the_session_row(app: Flask, client) -> None:
    login_owner(app, client)
    token = session_cookie(client)
    with app.app_context():
        assert get_db().execute("SELECT count(*) FROM owner_sessions").fetchone()[0] == 1
    resp = client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    assert resp.status_code == 303 and resp.headers["Location"] == "http://localhost/auth/login"
    assert session_cookie(client) is None
    with app.app_context():
        assert get_db().execute("SELECT count(*) FROM owner_sessions").fetchone()[0] == 0
    client.set_cookie("starpunk_session", token)  # replaying the old cookie does not work
    assert client.get("/admin/").status_code == 302
    assert "Signed out." in client.get("/auth/login").get_data(as_text=True)


def test_logout_needs_csrf(app: Flask, client) -> None:
    login_owner(app, client)
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/admin/").status_code == 200


def test_rate_limit_answers_429_with_retry_after(app: Flask, client) -> None:
    set_owner_password(app)
    limit, window = LOGIN_LIMIT
    with time_machine.travel("2030-01-01 12:00:00Z", tick=False) as traveller:
        for _ in range(limit):
            assert _attempt(client, "wrong password here").status_code == 401
        refused = _attempt(client, PASSWORD)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) == window
        assert session_cookie(client) is None
        traveller.shift(window + 1)
        assert _attempt(client, PASSWORD).status_code == 303


def test_rate_limit_is_shared_by_workers(app_factory, tmp_path: Path) -> None:
    first = app_factory(DATA_PATH=tmp_path / "shared")
    second = app_factory(DATA_PATH=tmp_path / "shared")
    set_owner_password(first)
    limit, _ = LOGIN_LIMIT
    one, two = first.test_client(), second.test_client()
    for number in range(limit):
        worker = one if number % 2 else two
        assert _attempt(worker, "wrong password here").status_code == 401
    assert _attempt(one, PASSWORD).status_code == 429
    assert _attempt(two, PASSWORD).status_code == 429


def test_other_clients_are_not_limited(app: Flask) -> None:
    set_owner_password(app)
    attacker = app.test_client()
    for _ in range(LOGIN_LIMIT[0] + 1):
        _attempt(attacker, "wrong password here")
    owner = app.test_client()
    resp = owner.post("/auth/login", environ_base={"REMOTE_ADDR": "192.0.2.7"},
                      data={"csrf_token": csrf_token(owner), "password": PASSWORD})
    assert resp.status_code == 303


def test_every_attempt_is_logged_without_the_password(app: Flask, client) -> None:
    set_owner_password(app)
    _attempt(client, "wrong-guess-" + PASSWORD)
    _attempt(client, PASSWORD)
    client.get("/admin/")
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    log_text = (Path(app.config["DATA_PATH"]) / "logs" / "starpunk.log").read_text()
    assert "login attempt failed" in log_text and "login attempt succeeded" in log_text
    assert PASSWORD not in log_text
    assert "wrong-guess" not in log_text


def test_signed_in_owner_skips_the_form(app: Flask, client) -> None:
    login_owner(app, client)
    resp = client.get("/auth/login?next=/admin/sessions")
    assert resp.status_code == 303
    assert resp.headers["Location"] == "http://localhost/admin/sessions"
