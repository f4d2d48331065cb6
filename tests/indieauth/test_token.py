"""Token endpoint, refresh rotation, introspection, revocation, userinfo."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from starpunk.database import get_db
from tests.indieauth.helpers import CLIENT, make_code, pkce, redeem_form


def exchange(client: FlaskClient, app: Flask, scope: str = "create update profile") -> dict:
    verifier, challenge = pkce()
    code = make_code(app, scope=scope, challenge=challenge)
    resp = client.post("/indieauth/token", data=redeem_form(code, verifier))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_code_exchange(client: FlaskClient, app: Flask) -> None:
    body = exchange(client, app)
    assert body["token_type"] == "Bearer" and body["me"] == "http://localhost/"
    assert body["scope"] == "create update profile" and body["expires_in"] == 7 * 86400
    assert body["refresh_token"] and body["access_token"] != body["refresh_token"]
    assert body["profile"]["url"] == "http://localhost/"
    with app.app_context():
        hashes = [r[0] for r in get_db().execute("SELECT token_hash FROM indieauth_tokens")]
        codes = [r[0] for r in get_db().execute("SELECT code_hash FROM indieauth_codes")]
    assert body["access_token"] not in hashes and body["refresh_token"] not in hashes
    assert len(hashes) == 2 and all(len(h) == 64 for h in hashes + codes)
    verify = client.get("/indieauth/token",
                        headers={"Authorization": f"Bearer {body['access_token']}"})
    assert verify.get_json() == {"me": "http://localhost/", "client_id": CLIENT,
                                 "scope": "create update profile"}
    assert verify.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"code_verifier": None}, "invalid_grant"),
        ({"code_verifier": "x" * 50}, "invalid_grant"),
        ({"code_verifier": "short"}, "invalid_grant"),
        ({"redirect_uri": "https://client.example/other"}, "invalid_grant"),
        ({"client_id": "https://other.example/"}, "invalid_grant"),
        ({"client_id": "not a url"}, "invalid_client"),
        ({"code": "made-up"}, "invalid_grant"),
        ({"code": None}, "invalid_request"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
        ({"grant_type": None}, "invalid_request"),
    ],
)
def test_code_exchange_errors(client: FlaskClient, app: Flask, change: dict, error: str) -> None:
    verifier, challenge = pkce()
    code = make_code(app, challenge=challenge)
    form = redeem_form(code, verifier)
    for key, value in change.items():
        form.pop(key, None)
        if value is not None:
            form[key] = value
    resp = client.post("/indieauth/token", data=form)
    assert resp.get_json()["error"] == error
    assert resp.status_code == (401 if error == "invalid_client" else 400)
    assert "access_token" not in resp.get_json()


def test_a_failed_attempt_uses_the_code_up(client: FlaskClient, app: Flask) -> None:
    verifier, challenge = pkce()
    code = make_code(app, challenge=challenge)
    assert client.post("/indieauth/token", data=redeem_form(code, "y" * 60)).status_code == 400
    assert client.post("/indieauth/token", data=redeem_form(code, verifier)).status_code == 400


def test_reused_code_revokes_its_tokens(client: FlaskClient, app: Flask) -> None:
    verifier, challenge = pkce()
    code = make_code(app, challenge=challenge)
    first = client.post("/indieauth/token", data=redeem_form(code, verifier)).get_json()
    again = client.post("/indieauth/token", data=redeem_form(code, verifier))
    assert again.status_code == 400 and again.get_json()["error"] == "invalid_grant"
    auth = {"Authorization": f"Bearer {first['access_token']}"}
    assert client.get("/indieauth/token", headers=auth).status_code == 401
    refresh = client.post("/indieauth/token", data={
        "grant_type": "refresh_token", "refresh_token": first["refresh_token"],
        "client_id": CLIENT})
    assert refresh.get_json()["error"] == "invalid_grant"


def test_expired_code(client: FlaskClient, app: Flask) -> None:
    verifier, challenge = pkce()
    with time_machine.travel("2030-01-01 12:00:00Z", tick=False):
        code = make_code(app, challenge=challenge)
    with time_machine.travel("2030-01-01 12:10:01Z", tick=False):
        resp = client.post("/indieauth/token", data=redeem_form(code, verifier))
    assert resp.get_json() == {"error": "invalid_grant",
                               "error_description": "The authorization code has expired."}
    with time_machine.travel("2030-01-01 12:09:59Z", tick=False):
        code2 = make_code(app, challenge=challenge)
        assert client.post("/indieauth/token",
                           data=redeem_form(code2, verifier)).status_code == 200


def test_identity_only_code_gets_no_token(client: FlaskClient, app: Flask) -> None:
    verifier, challenge = pkce()
    code = make_code(app, scope="", challenge=challenge)
    resp = client.post("/indieauth/token", data=redeem_form(code, verifier))
    assert resp.status_code == 400 and resp.get_json()["error"] == "invalid_grant"


def test_authentication_at_the_authorization_endpoint(client: FlaskClient, app: Flask) -> None:
    verifier, challenge = pkce()
    code = make_code(app, scope="profile", challenge=challenge)
    form = redeem_form(code, verifier)
    resp = client.post("/indieauth/auth", data=form, headers={"Accept": "application/json"})
    assert resp.status_code == 200
    assert resp.get_json() == {"me": "http://localhost/",
                               "profile": {"name": "Test Owner", "url": "http://localhost/"}}
    again = client.post("/indieauth/auth", data=form)
    assert again.status_code == 400 and again.get_json()["error"] == "invalid_grant"
    code = make_code(app, scope="", challenge=challenge)
    bad = client.post("/indieauth/auth", data=redeem_form(code, "z" * 50))
    assert bad.status_code == 400 and bad.get_json()["error"] == "invalid_grant"


def test_refresh_rotation_and_reuse_detection(client: FlaskClient, app: Flask) -> None:
    first = exchange(client, app)
    form = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"],
            "client_id": CLIENT}
    second = client.post("/indieauth/token", data=form)
    assert second.status_code == 200
    second = second.get_json()
    assert second["refresh_token"] != first["refresh_token"]
    old = {"Authorization": f"Bearer {first['access_token']}"}
    new = {"Authorization": f"Bearer {second['access_token']}"}
    assert client.get("/indieauth/token", headers=old).status_code == 401
    assert client.get("/indieauth/token", headers=new).status_code == 200
    reuse = client.post("/indieauth/token", data=form)  # the old refresh token again
    assert reuse.status_code == 400 and reuse.get_json()["error"] == "invalid_grant"
    assert client.get("/indieauth/token", headers=new).status_code == 401  # family revoked
    follow = client.post("/indieauth/token", data={**form,
                                                   "refresh_token": second["refresh_token"]})
    assert follow.get_json()["error"] == "invalid_grant"


def test_refresh_checks_client_and_can_only_narrow(client: FlaskClient, app: Flask) -> None:
    first = exchange(client, app)
    base = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    other = client.post("/indieauth/token", data={**base, "client_id": "https://x.example/"})
    assert other.get_json()["error"] == "invalid_grant"
    wider = client.post("/indieauth/token", data={**base, "client_id": CLIENT,
                                                  "scope": "create delete"})
    assert wider.get_json()["error"] == "invalid_grant"
    narrower = client.post("/indieauth/token", data={**base, "client_id": CLIENT,
                                                     "scope": "create"})
    assert narrower.status_code == 200 and narrower.get_json()["scope"] == "create"


def test_expired_access_and_refresh_tokens(client: FlaskClient, app: Flask) -> None:
    with time_machine.travel("2030-01-01 00:00:00Z", tick=False) as traveller:
        body = exchange(client, app)
        auth = {"Authorization": f"Bearer {body['access_token']}"}
        traveller.shift(timedelta(days=7, seconds=-1))
        assert client.get("/indieauth/token", headers=auth).status_code == 200
        traveller.shift(timedelta(seconds=2))
        assert client.get("/indieauth/token", headers=auth).status_code == 401
        traveller.shift(timedelta(days=60))
        resp = client.post("/indieauth/token", data={
            "grant_type": "refresh_token", "refresh_token": body["refresh_token"],
            "client_id": CLIENT})
        assert resp.get_json()["error"] == "invalid_grant"


def test_revocation(client: FlaskClient, app: Flask) -> None:
    body = exchange(client, app)
    auth = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.post("/indieauth/revoke", data={"token": "nonsense"}).status_code == 200
    assert client.post("/indieauth/revoke", data={}).status_code == 400
    resp = client.post("/indieauth/revoke", data={"token": body["access_token"]})
    assert resp.status_code == 200
    assert client.get("/indieauth/token", headers=auth).status_code == 401
    again = client.post("/indieauth/token", data={
        "grant_type": "refresh_token", "refresh_token": body["refresh_token"], "client_id": CLIENT})
    assert again.status_code == 400
    second = exchange(client, app)  # revoking by refresh token kills the access token too
    client.post("/indieauth/revoke", data={"token": second["refresh_token"],
                                           "token_type_hint": "refresh_token"})
    assert client.get("/indieauth/token", headers={
        "Authorization": f"Bearer {second['access_token']}"}).status_code == 401


def test_legacy_revoke_action(client: FlaskClient, app: Flask) -> None:
    body = exchange(client, app)
    assert client.post("/indieauth/token", data={"action": "revoke",
                                                 "token": body["access_token"]}).status_code == 200
    assert client.get("/indieauth/token", headers={
        "Authorization": f"Bearer {body['access_token']}"}).status_code == 401


def test_introspection_requires_a_token(client: FlaskClient, app: Flask) -> None:
    body = exchange(client, app)
    token = body["access_token"]
    anonymous = client.post("/indieauth/introspect", data={"token": token})
    assert anonymous.status_code == 401 and "active" not in anonymous.get_json()
    auth = {"Authorization": f"Bearer {token}"}
    info = client.post("/indieauth/introspect", data={"token": token}, headers=auth).get_json()
    assert info["active"] is True and info["me"] == "http://localhost/"
    assert info["client_id"] == CLIENT and info["scope"] == "create update profile"
    assert info["exp"] - info["iat"] == 7 * 86400
    other = client.post("/indieauth/introspect", data={"token": "x"}, headers=auth).get_json()
    assert other == {"active": False}
    refresh = client.post("/indieauth/introspect", data={"token": body["refresh_token"]},
                          headers=auth).get_json()
    assert refresh == {"active": False}


def test_userinfo(client: FlaskClient, app: Flask) -> None:
    with_profile = exchange(client, app, "profile create")["access_token"]
    without = exchange(client, app, "create")["access_token"]
    ok = client.get("/indieauth/userinfo", headers={"Authorization": f"Bearer {with_profile}"})
    assert ok.get_json() == {"name": "Test Owner", "url": "http://localhost/"}
    denied = client.get("/indieauth/userinfo", headers={"Authorization": f"Bearer {without}"})
    assert denied.status_code == 403 and denied.get_json()["error"] == "insufficient_scope"
    assert client.get("/indieauth/userinfo").status_code == 401


def test_authenticate_bearer(client: FlaskClient, app: Flask) -> None:
    from starpunk.indieauth.tokens import authenticate_bearer

    token = exchange(client, app, "create media")["access_token"]
    with app.test_request_context():
        info = authenticate_bearer(token)
        assert info is not None and info.scopes == frozenset({"create", "media"})
        assert info.me == "http://localhost/" and info.client_id == CLIENT
        assert authenticate_bearer(token + "x") is None
        assert authenticate_bearer("") is None


def test_no_pkce_only_when_allowed(app_factory) -> None:
    app = app_factory(INDIEAUTH_ALLOW_NO_PKCE=True)
    client = app.test_client()
    code = make_code(app, challenge=None)
    assert client.post("/indieauth/token", data=redeem_form(code, None)).status_code == 200
    code = make_code(app, challenge=None)  # a verifier for a code without challenge
    resp = client.post("/indieauth/token", data=redeem_form(code, "v" * 50))
    assert resp.get_json()["error"] == "invalid_grant"


def test_token_endpoint_is_rate_limited(client: FlaskClient) -> None:
    statuses = [client.post("/indieauth/token", data={"grant_type": "x"}).status_code
                for _ in range(40)]
    assert statuses[0] == 400 and statuses[-1] == 429


@pytest.mark.parametrize(("path", "data"), [
    ("/indieauth/auth", {"code": "guess", "client_id": CLIENT, "redirect_uri": CLIENT}),
    ("/indieauth/introspect", {"token": "guess"}),
    ("/indieauth/revoke", {"token": "guess"}),
])
def test_code_and_token_endpoints_are_rate_limited(client: FlaskClient, path: str,
                                                   data: dict[str, str]) -> None:
    statuses = [client.post(path, data=data).status_code for _ in range(40)]
    assert statuses[0] in (200, 400, 401) and statuses[-1] == 429


def test_no_secret_reaches_the_log(client: FlaskClient, app: Flask) -> None:
    verifier, challenge = pkce()
    code = make_code(app, challenge=challenge)
    body = client.post("/indieauth/token", data=redeem_form(code, verifier)).get_json()
    client.post("/indieauth/token", data=redeem_form(code, verifier))  # reuse: logged warning
    client.get("/indieauth/token", headers={"Authorization": f"Bearer {body['access_token']}"})
    client.post("/indieauth/token", data={"grant_type": "refresh_token",
                                          "refresh_token": body["refresh_token"],
                                          "client_id": CLIENT})
    client.post("/indieauth/revoke", data={"token": body["access_token"]})
    log_text = (Path(app.config["DATA_PATH"]) / "logs" / "starpunk.log").read_text()
    assert "tokens issued" in log_text and "code reused" in log_text
    for secret in (code, verifier, body["access_token"], body["refresh_token"]):
        assert secret not in log_text
