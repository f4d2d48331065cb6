"""SSRF-safe fetches: private targets refused after DNS and on every redirect hop."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from starpunk import safe_http
from starpunk.safe_http import FetchError, address_allowed, fetch


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://10.1.2.3/",
        "http://192.168.1.1/",
        "http://172.16.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://localhost/",  # a DNS name that resolves to loopback
    ],
)
def test_private_targets_are_refused(url: str) -> None:
    with pytest.raises(FetchError, match="not allowed"):
        fetch(url, allow_private=False, timeout=1)


def test_address_rules() -> None:
    assert address_allowed("93.184.216.34")
    assert address_allowed("2606:2800:220:1:248:1893:25c8:1946")
    assert not address_allowed("100.64.0.1")  # carrier-grade NAT
    assert not address_allowed("fe80::1")
    assert not address_allowed("fc00::1")
    assert address_allowed("127.0.0.1", allow_private=True)
    assert not address_allowed("0.0.0.0", allow_private=True)


def test_ipv4_mapped_addresses_follow_the_ipv4_rules() -> None:
    assert address_allowed("::ffff:93.184.216.34")
    assert not address_allowed("::ffff:10.0.0.1")
    assert not address_allowed("::ffff:0.0.0.0", allow_private=True)  # 0.0.0.0 is this host
    assert not address_allowed("::ffff:224.0.0.1", allow_private=True)


def test_environment_proxies_are_ignored(httpserver: HTTPServer,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    httpserver.expect_request("/x").respond_with_data("via the proxy")
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, httpserver.url_for("/"))
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(FetchError, match="not allowed"):
        fetch("http://10.255.255.1/x", allow_private=False, timeout=1)
    assert httpserver.log == []


def test_only_http_urls(httpserver: HTTPServer) -> None:
    for url in ("file:///etc/passwd", "ftp://example.com/", "gopher://x/", "/relative"):
        with pytest.raises(FetchError):
            fetch(url, allow_private=True)
    with pytest.raises(FetchError, match="credentials"):
        fetch(httpserver.url_for("/").replace("http://", "http://u:p@"), allow_private=True)


def test_setting_allows_loopback(app_factory, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hello").respond_with_data("hi", content_type="text/plain")
    with app_factory(FETCH_ALLOW_PRIVATE=True).app_context():
        assert fetch(httpserver.url_for("/hello")).text == "hi"
    with app_factory(FETCH_ALLOW_PRIVATE=False).app_context():
        with pytest.raises(FetchError):
            fetch(httpserver.url_for("/hello"))


def test_size_cap_and_redirect_limit(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/big").respond_with_data("x" * 5000)
    with pytest.raises(FetchError, match="too large"):
        fetch(httpserver.url_for("/big"), max_bytes=1000, allow_private=True)
    for i in range(5):
        httpserver.expect_request(f"/r{i}").respond_with_data(
            "", status=302, headers={"Location": f"/r{i + 1}"}
        )
    httpserver.expect_request("/r5").respond_with_data("end")
    with pytest.raises(FetchError, match="too many redirects"):
        fetch(httpserver.url_for("/r0"), allow_private=True, allow_redirects=3)
    resp = fetch(httpserver.url_for("/r0"), allow_private=True, allow_redirects=5)
    assert resp.text == "end" and resp.url.endswith("/r5") and len(resp.history) == 5


@pytest.fixture
def public_server(monkeypatch: pytest.MonkeyPatch):
    """A server on 127.0.0.2 that the guard treats as a public address."""
    real = safe_http.address_allowed

    def allowed(address: str, allow_private: bool = False) -> bool:
        return address == "127.0.0.2" or real(address, allow_private)

    monkeypatch.setattr(safe_http, "address_allowed", allowed)
    server = HTTPServer(host="127.0.0.2", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.mark.parametrize(
    "target", ["http://127.0.0.1:{port}/secret", "http://localhost:{port}/secret",
               "http://169.254.169.254/", "http://[::1]:{port}/"],
)
def test_redirects_to_private_targets_are_refused(public_server: HTTPServer, httpserver: HTTPServer,
                                                   target: str) -> None:
    httpserver.expect_request("/secret").respond_with_data("internal")
    location = target.format(port=httpserver.port)
    public_server.expect_request("/go").respond_with_data("", status=302,
                                                          headers={"Location": location})
    public_server.expect_request("/ok").respond_with_data("public")
    assert fetch(public_server.url_for("/ok"), allow_private=False).text == "public"
    with pytest.raises(FetchError, match="not allowed"):
        fetch(public_server.url_for("/go"), allow_private=False, timeout=1)


def test_response_helpers(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/doc").respond_with_data(
        '{"a": 1}', content_type="application/json; charset=utf-8",
        headers={"Link": '</meta>; rel="indieauth-metadata", '
                         '<https://x.example/cb>; rel=redirect_uri'},
    )
    resp = fetch(httpserver.url_for("/doc"), allow_private=True)
    assert resp.json() == {"a": 1}
    assert resp.content_type == "application/json"
    links = {link["rel"]: link["url"] for link in resp.links()}
    assert links == {"indieauth-metadata": httpserver.url_for("/meta"),
                     "redirect_uri": "https://x.example/cb"}
