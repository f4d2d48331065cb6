"""Owner sessions: hashed tokens, sliding expiry, rotation, CSRF binding, listing and ending."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import time_machine
from flask import Flask

from starpunk.auth import owner_logged_in
from starpunk.database import get_db
from tests.auth.helpers import PASSWORD, csrf_token, login_owner, session_cookie, set_owner_password

START = "2030-03-01 08:00:00Z"


def _rows(app: Flask) -> list[dict]:
    with app.app_context():
        return [dict(r) for r in get_db().execute("SELECT * FROM owner_sessions ORDER BY id")]


def test_only_the_token_hash_is_stored(app: Flask, client) -> None:
    login_owner(app, client)
    token = session_cookie(client)
    assert token and len(token) >= 40
    (row,) = _rows(app)
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    dump = "\n".join(get_db_dump(app))
    assert token not in dump


def get_db_dump(app: Flask) -> list[str]:
    with app.app_context():
        return list(get_db().iterdump())


def test_sessions_slide_and_expire(app_factory) -> None:
    app = app_factory(SESSION_LIFETIME_DAYS=30)
    client = app.test_client()
    with time_machine.travel(START, tick=False) as traveller:
        login_owner(app, client)
        first_expiry = _rows(app)[0]["expires_at"]
        assert first_expiry == "2030-03-31T08:00:00Z"
        traveller.shift(timedelta(days=29))
        resp = client.get("/admin/")
        assert resp.status_code == 200
        assert "starpunk_session=" in resp.headers.get("Set-Cookie", "")  # cookie renewed
        assert _rows(app)[0]["expires_at"] == "2030-04-29T08:00:00Z"
        assert _rows(app)[0]["last_seen_at"] == "2030-03-30T08:00:00Z"
        traveller.shift(timedelta(days=29))
        assert client.get("/admin/").status_code == 200  # still inside the renewed window
        traveller.shift(timedelta(days=30, seconds=1))
        assert client.get("/admin/").status_code == 302  # unused for longer than 30 days


def test_refresh_is_throttled_to_once_a_minute(app: Flask, client) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        login_owner(app, client)
        traveller.shift(30)
        resp = client.get("/admin/")
        assert "starpunk_session=" not in resp.headers.get("Set-Cookie", "")
        assert _rows(app)[0]["last_seen_at"] == "2030-03-01T08:00:00Z"


def test_login_rotates_the_session_and_the_csrf_token(app: Flask, client) -> None:
    set_owner_password(app)
    anonymous_token = csrf_token(client)
    login_owner(app, client)
    first = session_cookie(client)
    admin_token = csrf_token(client, "/admin/")
    assert admin_token != anonymous_token
    # The pre-login CSRF token is dead now.
    assert client.post("/admin/sessions/1/end", data={"csrf_token": anonymous_token}
                       ).status_code == 400
    # Signing in again on the same browser replaces the session.
    client.post("/auth/login", data={"csrf_token": admin_token, "password": PASSWORD})
    second = session_cookie(client)
    assert second and second != first
    assert len(_rows(app)) == 1
    replay = app.test_client()
    replay.set_cookie("starpunk_session", first)
    assert replay.get("/admin/").status_code == 302


def test_csrf_from_another_browser_session_is_refused(app: Flask) -> None:
    owner, attacker = app.test_client(), app.test_client()
    login_owner(app, owner)
    csrf_token(owner, "/admin/")
    attacker_token = csrf_token(attacker)  # a valid token, bound to the attacker's session
    owner.set_cookie("session", attacker.get_cookie("session").value)  # cookie tossing
    resp = owner.post("/admin/new", data={"csrf_token": attacker_token, "content": "pwned",
                                          "action": "publish"})
    assert resp.status_code == 401
    with app.app_context():
        assert get_db().execute("SELECT count(*) FROM notes").fetchone()[0] == 0
    # A plain page view re-binds a fresh form session; the attacker's token stays useless.
    assert owner.get("/admin/").status_code == 200
    assert owner.post("/admin/new", data={"csrf_token": attacker_token, "content": "pwned",
                                          "action": "publish"}).status_code == 400


def test_session_list_shows_device_ip_and_ends_others(app: Flask) -> None:
    laptop, phone = app.test_client(), app.test_client()
    laptop_ua = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    phone_ua = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
    set_owner_password(app)
    for client, ua, ip in ((laptop, laptop_ua, "198.51.100.4"), (phone, phone_ua, "203.0.113.9")):
        client.environ_base.update(HTTP_USER_AGENT=ua, REMOTE_ADDR=ip)
        login_owner(app, client)
    html = laptop.get("/admin/sessions").get_data(as_text=True)
    assert "Firefox on Linux" in html and "Safari on iPhone" in html
    assert "198.51.100.4" in html and "203.0.113.9" in html
    assert html.count("This browser") == 1
    phone_id = next(r["id"] for r in _rows(app) if r["ip"] == "203.0.113.9")
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    resp = laptop.post(f"/admin/sessions/{phone_id}/end", data={"csrf_token": token})
    assert resp.status_code == 303
    assert "Session ended." in laptop.get("/admin/sessions").get_data(as_text=True)
    assert phone.get("/admin/").status_code == 302
    assert len(_rows(app)) == 1
    assert laptop.post("/admin/sessions/999/end", data={"csrf_token": token}).status_code == 404


def test_ending_your_own_session_signs_you_out(app: Flask, client) -> None:
    login_owner(app, client)
    own = _rows(app)[0]["id"]
    resp = client.post(f"/admin/sessions/{own}/end",
                       data={"csrf_token": csrf_token(client, "/admin/sessions")})
    assert resp.headers["Location"] == "http://localhost/auth/login"
    assert _rows(app) == []
    assert client.get("/admin/").status_code == 302


def test_unknown_cookie_is_not_the_owner_and_is_dropped(app: Flask, client) -> None:
    client.set_cookie("starpunk_session", "made-up-token")
    resp = client.get("/admin/")
    assert resp.status_code == 302
    assert session_cookie(client) is None
    with app.test_request_context(headers={"Cookie": "starpunk_session=made-up-token"}):
        assert not owner_logged_in()
