"""Both identity modes end to end over real HTTP on 127.0.0.1.

A StarPunk in self-hosted mode runs under gunicorn as the IndieAuth provider; a small
client application on pytest-httpserver plays Quill; a second StarPunk in external mode
signs its owner in through the provider and checks Micropub tokens with it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from pytest_httpserver import HTTPServer

from starpunk.indieauth import external
from starpunk.indieauth.tokens import authenticate_bearer
from tests.conftest import TEST_SECRET, free_port, running_server
from tests.indieauth.helpers import pkce

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
STARPUNK = [sys.executable, "-m", "starpunk"]
PASSWORD = "correct horse battery staple 42"


@dataclass
class Provider:
    url: str
    data: Path
    env: dict[str, str]

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([*STARPUNK, *args], input=stdin, env=self.env, cwd=self.data.parent,
                              capture_output=True, text=True, timeout=60)


@pytest.fixture
def provider(tmp_path: Path) -> Iterator[Provider]:
    port = free_port()
    data = tmp_path / "provider"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATA_PATH": str(data),
           "SITE_URL": f"http://127.0.0.1:{port}/", "SESSION_SECRET": TEST_SECRET,
           "SITE_AUTHOR": "Provider Owner", "FETCH_ALLOW_PRIVATE": "true", "LOG_LEVEL": "DEBUG"}
    data.mkdir()
    prov = Provider(f"http://127.0.0.1:{port}/", data, env)
    result = prov.cli("passwd", stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    with running_server(env, port, tmp_path):
        yield prov


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, html
    return match.group(1)


def browser_logged_in(provider: Provider) -> requests.Session:
    """A browser session signed in to the provider with the owner password."""
    browser = requests.Session()
    page = browser.get(provider.url + "auth/login", timeout=5)
    resp = browser.post(provider.url + "auth/login", timeout=5, allow_redirects=False,
                        data={"csrf_token": csrf_from(page.text), "password": PASSWORD})
    assert resp.status_code in (302, 303), resp.text
    return browser


def approve(browser: requests.Session, authorize_url: str, scopes: list[str] | None = None
            ) -> dict[str, list[str]]:
    """Open the consent page, approve, return the query the client receives."""
    page = browser.get(authorize_url, timeout=10, allow_redirects=False)
    assert page.status_code == 200, page.text
    data: dict[str, Any] = {"csrf_token": csrf_from(page.text),
                            "request": hidden(page.text, "request"), "action": "approve"}
    # like a browser: the checked scope boxes, unless the test unticks some
    data["scope"] = scopes if scopes is not None else re.findall(
        r'name="scope" value="([^"]+)" checked', page.text)
    resp = browser.post(urlsplit(authorize_url)._replace(query="").geturl() + "/consent",
                        data=data, timeout=10, allow_redirects=False)
    assert resp.status_code == 302, resp.text
    return {"_location": [resp.headers["Location"]],
            **parse_qs(urlsplit(resp.headers["Location"]).query)}


@pytest.fixture
def quill(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request("/").respond_with_data(
        '<div class="h-app"><a class="p-name u-url" href="/">Quill on loopback</a></div>',
        content_type="text/html")
    return httpserver


def test_self_hosted_provider_end_to_end(provider: Provider, quill: HTTPServer) -> None:
    browser = browser_logged_in(provider)
    meta = requests.get(provider.url + ".well-known/oauth-authorization-server", timeout=5).json()
    verifier, challenge = pkce()
    client_id, redirect_uri = quill.url_for("/"), quill.url_for("/callback")
    query = requests.Request("GET", meta["authorization_endpoint"], params={
        "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
        "state": "quill-state", "code_challenge": challenge, "code_challenge_method": "S256",
        "scope": "create update media profile", "me": provider.url}).prepare().url
    back = approve(browser, query, scopes=["create", "media", "profile"])
    assert back["_location"][0].startswith(redirect_uri + "?")
    assert back["state"] == ["quill-state"] and back["iss"] == [meta["issuer"]]
    code = back["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "client_id": client_id,
            "redirect_uri": redirect_uri, "code_verifier": verifier}
    wrong = requests.post(meta["token_endpoint"], data={**form, "code_verifier": "x" * 50},
                          timeout=5)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"

    # A fresh code, redeemed properly.
    back = approve(browser, query)
    form["code"] = code = back["code"][0]
    tokens = requests.post(meta["token_endpoint"], data=form, timeout=5).json()
    assert tokens["token_type"] == "Bearer" and tokens["me"] == provider.url
    assert tokens["scope"] == "create update media profile"
    access, refresh = tokens["access_token"], tokens["refresh_token"]
    bearer = {"Authorization": f"Bearer {access}"}
    assert requests.get(meta["token_endpoint"], headers=bearer, timeout=5).json()["scope"] == (
        "create update media profile")
    assert requests.get(meta["userinfo_endpoint"], headers=bearer, timeout=5).json() == {
        "name": "Provider Owner", "url": provider.url}
    assert requests.post(meta["introspection_endpoint"], data={"token": access}, headers=bearer,
                         timeout=5).json()["active"] is True

    reused = requests.post(meta["token_endpoint"], data=form, timeout=5)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    assert requests.get(meta["token_endpoint"], headers=bearer, timeout=5).status_code == 401

    back = approve(browser, query)
    form["code"] = back["code"][0]
    tokens = requests.post(meta["token_endpoint"], data=form, timeout=5).json()
    refresh_form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
                    "client_id": client_id}
    rotated = requests.post(meta["token_endpoint"], data=refresh_form, timeout=5).json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    reuse = requests.post(meta["token_endpoint"], data=refresh_form, timeout=5)
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    assert requests.get(meta["token_endpoint"], timeout=5, headers={
        "Authorization": f"Bearer {rotated['access_token']}"}).status_code == 401
    unsupported = requests.post(meta["token_endpoint"], data={"grant_type": "password"},
                                timeout=5)
    assert unsupported.status_code == 400
    assert unsupported.json()["error"] == "unsupported_grant_type"

    # Nothing secret in the provider's log file.
    log_text = (provider.data / "logs" / "starpunk.log").read_text()
    for secret in (code, access, refresh, verifier, tokens["access_token"],
                   rotated["access_token"], PASSWORD):
        assert secret not in log_text


def test_external_identity_end_to_end(provider: Provider, app_factory) -> None:
    app = app_factory(SITE_URL="http://localhost/", ADMIN_ME=provider.url,
                      FETCH_ALLOW_PRIVATE=True)
    site = app.test_client()
    assert site.get("/admin/tokens/").status_code in (302, 303)
    page = site.get("/auth/indieauth/start?next=/admin/tokens/")
    start = site.post("/auth/indieauth/start", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "next": "/admin/tokens/"})
    assert start.status_code == 303
    authorize_url = start.headers["Location"]
    assert authorize_url.startswith(provider.url + "indieauth/auth?")

    browser = browser_logged_in(provider)
    back = approve(browser, authorize_url)
    callback = urlsplit(back["_location"][0])
    assert callback.path == "/auth/callback" and back["iss"] == [provider.url]
    done = site.get(f"{callback.path}?{callback.query}")
    assert done.status_code == 303 and done.headers["Location"] == "/admin/tokens/"
    assert site.get("/admin/tokens/").status_code == 200
    replay = site.get(f"{callback.path}?{callback.query}")
    assert replay.status_code == 400

    created = provider.cli("token", "create", "--scope", "create media")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    with app.test_request_context():
        info = authenticate_bearer(token)
        assert info is not None and info.me == provider.url
        assert info.scopes == frozenset({"create", "media"})
        assert authenticate_bearer(token + "nope") is None
        grant_id = provider.cli("token", "list").stdout.split("\t", 1)[0]
        assert provider.cli("token", "revoke", grant_id).returncode == 0
        assert authenticate_bearer(token) is not None  # still cached for a minute
        external.clear_caches()
        assert authenticate_bearer(token) is None

    for path in (provider.data, Path(app.config["DATA_PATH"])):
        log_text = (path / "logs" / "starpunk.log").read_text()
        assert token not in log_text and PASSWORD not in log_text
        assert back["code"][0] not in log_text


def test_external_mode_fails_closed_when_the_provider_is_down(app_factory) -> None:
    port = free_port()  # nothing listens here
    app = app_factory(SITE_URL="http://localhost/", ADMIN_ME=f"http://127.0.0.1:{port}/",
                      FETCH_ALLOW_PRIVATE=True)
    with app.test_request_context():
        assert authenticate_bearer("any-token") is None
    page = app.test_client().post("/auth/indieauth/start", data={})
    assert page.status_code == 400  # CSRF first
