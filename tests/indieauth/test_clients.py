"""client_id / redirect_uri rules and the client's published information."""

from __future__ import annotations

import json

import pytest
from pytest_httpserver import HTTPServer

from starpunk.indieauth.clients import (
    ClientError,
    check_redirect,
    fetch_client_info,
    validate_client_id,
)


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("https://app.example", "https://app.example/"),
        ("https://APP.example/path?x=1", "https://app.example/path?x=1"),
        ("https://app.example:8443/", "https://app.example:8443/"),
        ("http://localhost:8080/", "http://localhost:8080/"),
        ("http://127.0.0.1/", "http://127.0.0.1/"),
        ("http://[::1]/", "http://[::1]/"),
    ],
)
def test_valid_client_ids(given: str, canonical: str) -> None:
    assert validate_client_id(given) == canonical


@pytest.mark.parametrize(
    "bad",
    [
        None, "", "app.example", "ftp://app.example/", "http://app.example/",
        "https://app.example/#frag", "https://user:pw@app.example/", "https://app.example/./x",
        "https://app.example/a/../b", "https://10.0.0.1/", "https://93.184.216.34/",
        "https://[2001:db8::1]/", "https://app.example:99999/",
    ],
)
def test_invalid_client_ids(bad: str | None) -> None:
    with pytest.raises(ClientError):
        validate_client_id(bad)


def _client_url(server: HTTPServer, path: str = "/") -> str:
    return validate_client_id(server.url_for(path))


def test_h_app_and_rel_redirect_uri(app_factory, httpserver: HTTPServer) -> None:
    html = ('<html><head><link rel="redirect_uri" href="https://elsewhere.example/cb"></head>'
            '<body><div class="h-app"><img class="u-logo" src="/logo.png" alt="">'
            '<a class="u-url p-name" href="/">Quill Test</a></div></body></html>')
    httpserver.expect_request("/").respond_with_data(
        html, content_type="text/html",
        headers={"Link": '<https://other.example/cb>; rel="redirect_uri"'})
    with app_factory(FETCH_ALLOW_PRIVATE=True).app_context():
        info = fetch_client_info(_client_url(httpserver))
    assert info.fetched and info.name == "Quill Test"
    assert info.logo == httpserver.url_for("/logo.png")
    assert set(info.redirect_uris) == {"https://elsewhere.example/cb", "https://other.example/cb"}
    check_redirect(info, "https://elsewhere.example/cb")
    check_redirect(info, "https://other.example/cb")
    check_redirect(info, httpserver.url_for("/anything"))  # same origin
    with pytest.raises(ClientError):
        check_redirect(info, "https://attacker.example/cb")
    with pytest.raises(ClientError):  # same host, other port
        check_redirect(info, f"http://localhost:{httpserver.port + 1}/cb")


def test_json_client_metadata(app_factory, httpserver: HTTPServer) -> None:
    client_id = _client_url(httpserver, "/app")
    doc = {"client_id": client_id, "client_name": "JSON App", "client_uri": "/",
           "logo_uri": "/l.png", "redirect_uris": ["https://cb.example/done"]}
    httpserver.expect_request("/app").respond_with_data(json.dumps(doc),
                                                        content_type="application/json")
    with app_factory(FETCH_ALLOW_PRIVATE=True).app_context():
        info = fetch_client_info(client_id)
    assert info.name == "JSON App" and info.redirect_uris == ["https://cb.example/done"]
    assert info.url == httpserver.url_for("/")


def test_metadata_for_another_client_id_is_ignored(app_factory, httpserver: HTTPServer) -> None:
    doc = {"client_id": "https://evil.example/", "client_name": "Evil",
           "redirect_uris": ["https://evil.example/cb"]}
    httpserver.expect_request("/").respond_with_json(doc)
    with app_factory(FETCH_ALLOW_PRIVATE=True).app_context():
        info = fetch_client_info(_client_url(httpserver))
    assert info.name is None and info.redirect_uris == []


def test_unknown_public_client_is_refused(app) -> None:
    with app.app_context(), pytest.raises(ClientError, match="could not be fetched"):
        fetch_client_info("https://unknown-client.invalid/")


def test_loopback_client_that_cannot_be_fetched_is_shown_by_url(app) -> None:
    with app.app_context():  # FETCH_ALLOW_PRIVATE off: the fetch is refused
        info = fetch_client_info("http://localhost:1/")
    assert not info.fetched and info.display_name == "localhost"
