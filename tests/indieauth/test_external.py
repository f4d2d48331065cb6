"""External identity mode against a fake IndieAuth server on 127.0.0.1 (fast tests)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from starpunk.indieauth import external


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


class FakeProvider:
    """An IndieAuth server on pytest-httpserver that records what it is asked."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.issuer = server.url_for("/")
        self.me = server.url_for("/")
        self.token_answer: tuple[int, dict[str, Any]] = (401, {"error": "invalid_token"})
        self.redeemed: list[dict[str, str]] = []
        self.verifications = 0

    def install(self, *, link_header: bool = True) -> None:
        meta = f'<{self.server.url_for("/meta")}>; rel="indieauth-metadata"'
        html = ('<html><head><link rel="indieauth-metadata" href="/wrong-meta"></head>'
                '<body>me</body></html>')
        headers = {"Link": meta} if link_header else {}
        if not link_header:
            html = html.replace("/wrong-meta", "/meta")
        self.server.expect_request("/").respond_with_data(html, content_type="text/html",
                                                          headers=headers)
        self.server.expect_request("/meta").respond_with_json({
            "issuer": self.issuer,
            "authorization_endpoint": self.server.url_for("/auth"),
            "token_endpoint": self.server.url_for("/token"),
        })
        self.server.expect_request("/auth", method="POST").respond_with_handler(self._redeem)
        self.server.expect_request("/token", method="GET").respond_with_handler(self._verify)

    def _redeem(self, request: Request) -> Response:
        self.redeemed.append(dict(request.form))
        return Response(json.dumps({"me": self.me}), content_type="application/json")

    def _verify(self, request: Request) -> Response:
        self.verifications += 1
        status, body = self.token_answer
        return Response(json.dumps(body), status=status, content_type="application/json")


@pytest.fixture
def provider(httpserver: HTTPServer) -> FakeProvider:
    fake = FakeProvider(httpserver)
    fake.install()
    return fake


@pytest.fixture
def ext_app(app_factory, provider: FakeProvider) -> Flask:
    return app_factory(ADMIN_ME=provider.me, FETCH_ALLOW_PRIVATE=True)


def begin(client: FlaskClient) -> dict[str, list[str]]:
    page = client.get("/auth/indieauth/start")
    resp = client.post("/auth/indieauth/start",
                       data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                             "next": "/admin/"})
    assert resp.status_code == 303
    return parse_qs(urlsplit(resp.headers["Location"]).query)


def test_start_redirects_with_pkce_and_state(ext_app: Flask, provider: FakeProvider) -> None:
    client = ext_app.test_client()
    params = begin(client)
    assert params["response_type"] == ["code"]
    assert params["client_id"] == ["http://localhost/"]
    assert params["redirect_uri"] == ["http://localhost/auth/callback"]
    assert params["code_challenge_method"] == ["S256"] and len(params["code_challenge"][0]) == 43
    assert params["me"] == [provider.me] and len(params["state"][0]) >= 32
    assert "scope" not in params  # authentication only


def test_start_needs_csrf(ext_app: Flask) -> None:
    assert ext_app.test_client().post("/auth/indieauth/start").status_code == 400


def test_link_header_wins_over_html(provider: FakeProvider, app_factory) -> None:
    app = app_factory(ADMIN_ME=provider.me, FETCH_ALLOW_PRIVATE=True)
    with app.app_context():
        found = external.discover(provider.me)
    assert found.issuer == provider.issuer
    assert found.authorization_endpoint == provider.server.url_for("/auth")


def test_html_discovery_and_legacy_rels(httpserver: HTTPServer, app_factory) -> None:
    httpserver.expect_request("/legacy").respond_with_data(
        '<link rel="authorization_endpoint" href="/a"><link rel="token_endpoint" href="/t">',
        content_type="text/html")
    app = app_factory(ADMIN_ME=httpserver.url_for("/"), FETCH_ALLOW_PRIVATE=True)
    with app.app_context():
        legacy = external.discover(httpserver.url_for("/legacy"))
    assert legacy.issuer is None
    assert legacy.authorization_endpoint == httpserver.url_for("/a")
    assert legacy.token_endpoint == httpserver.url_for("/t")


def test_indielogin_url_is_used(httpserver: HTTPServer, app_factory) -> None:
    fake = FakeProvider(httpserver)
    fake.install(link_header=False)
    app = app_factory(ADMIN_ME="https://me.invalid/", INDIELOGIN_URL=httpserver.url_for("/"),
                      FETCH_ALLOW_PRIVATE=True)
    with app.test_request_context():
        assert external.login_provider().issuer == fake.issuer


def callback(client: FlaskClient, **params: str) -> Any:
    return client.get("/auth/callback", query_string=params)


def test_tampered_state_is_refused(ext_app: Flask, provider: FakeProvider) -> None:
    client = ext_app.test_client()
    params = begin(client)
    resp = callback(client, code="c", state=params["state"][0] + "x", iss=provider.issuer)
    assert resp.status_code == 400 and "state" in resp.get_data(as_text=True)
    assert provider.redeemed == []
    again = callback(client, code="c", state=params["state"][0], iss=provider.issuer)
    assert again.status_code == 400  # the pending sign-in was used up
    assert provider.redeemed == []


def test_wrong_iss_is_refused(ext_app: Flask, provider: FakeProvider) -> None:
    client = ext_app.test_client()
    params = begin(client)
    for iss in ("https://evil.example/", None):
        resp = callback(client, code="c", state=params["state"][0],
                        **({"iss": iss} if iss else {}))
        assert resp.status_code == 400
        params = begin(client)
    assert provider.redeemed == []


def test_me_on_another_domain_is_refused(ext_app: Flask, provider: FakeProvider) -> None:
    provider.me = "https://someone-else.example/"
    client = ext_app.test_client()
    params = begin(client)
    resp = callback(client, code="the-code", state=params["state"][0], iss=provider.issuer)
    assert resp.status_code == 400 and "is not this site" in resp.get_data(as_text=True)
    sent = provider.redeemed[0]
    assert sent["code"] == "the-code" and sent["client_id"] == "http://localhost/"
    assert sent["redirect_uri"] == "http://localhost/auth/callback"
    assert len(sent["code_verifier"]) >= 43


@pytest.mark.parametrize("target", ["/\t/evil.example/", "//evil.example/", "/\\evil.example"])
def test_next_never_leaves_the_site_after_the_callback(ext_app: Flask, provider: FakeProvider,
                                                       target: str) -> None:
    client = ext_app.test_client()
    page = client.get("/auth/indieauth/start", query_string={"next": target})
    assert 'name="next" value=""' in page.get_data(as_text=True)
    resp = client.post("/auth/indieauth/start",
                       data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                             "next": target})
    state = parse_qs(urlsplit(resp.headers["Location"]).query)["state"][0]
    done = callback(client, code="c", state=state, iss=provider.issuer)
    assert done.status_code == 303 and done.headers["Location"] == "/admin/"


def test_provider_error_is_shown_not_accepted(ext_app: Flask, provider: FakeProvider) -> None:
    client = ext_app.test_client()
    params = begin(client)
    resp = callback(client, error="access_denied", state=params["state"][0], iss=provider.issuer)
    assert resp.status_code == 400 and provider.redeemed == []


def test_remote_token_verification(ext_app: Flask, provider: FakeProvider) -> None:
    from starpunk.indieauth.tokens import authenticate_bearer

    provider.token_answer = (200, {"me": provider.me, "client_id": "https://quill.example/",
                                   "scope": "create media"})
    with ext_app.test_request_context():
        info = authenticate_bearer("remote-token")
        assert info is not None and info.scopes == frozenset({"create", "media"})
        assert info.client_id == "https://quill.example/" and info.token_id is None
        assert authenticate_bearer("remote-token") == info
        assert provider.verifications == 1  # cached
        provider.token_answer = (200, {"me": "https://evil.example/", "scope": "create"})
        assert authenticate_bearer("another-token") is None
        provider.token_answer = (401, {"error": "invalid_token"})
        assert authenticate_bearer("bad-token") is None


def test_remote_verification_fails_closed(ext_app: Flask, provider: FakeProvider) -> None:
    from starpunk.indieauth.tokens import authenticate_bearer

    provider.token_answer = (503, {"error": "down"})
    with ext_app.test_request_context():
        assert authenticate_bearer("t1") is None
        provider.token_answer = (200, {"me": provider.me, "scope": "create"})
        assert authenticate_bearer("t1") is not None  # failures are not cached
        external.clear_caches()
        provider.server.stop()
        try:
            assert authenticate_bearer("t2") is None
        finally:
            provider.server.start()
