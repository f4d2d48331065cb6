"""Outbound HTTP that cannot be turned against the server (SSRF-safe fetches).

Every connection resolves the host name itself and refuses loopback, private,
link-local, multicast, reserved and unspecified addresses, then connects to the very
address it checked (no second DNS lookup an attacker could rebind). Redirects are
followed by hand, a few hops at most, each hop going through the same check. Bodies
are capped at ``max_bytes`` and environment proxies are ignored. With
``FETCH_ALLOW_PRIVATE`` on (tests, home networks) private addresses are allowed.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from flask import current_app, has_app_context
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import parse_header_links
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util import connection as u3connection

log = logging.getLogger(__name__)

USER_AGENT = "StarPunk (+https://github.com/starpunk)"
_REDIRECTS = {301, 302, 303, 307, 308}
_allow_private: ContextVar[bool] = ContextVar("safe_http_allow_private", default=False)


class FetchError(Exception):
    """The fetch was refused (unsafe address, bad URL) or failed (network, size, timeout)."""


class _Refused(Exception):
    """Raised inside a connection when the target address is not allowed."""


def address_allowed(address: str, allow_private: bool = False) -> bool:
    """Whether a connection to the IP ``address`` is allowed."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_multicast or ip.is_unspecified:
        return False
    if allow_private:
        return True
    return ip.is_global and not (ip.is_loopback or ip.is_link_local or ip.is_reserved)


def _guarded_socket(conn: HTTPConnection) -> socket.socket:
    host = conn._dns_host  # noqa: SLF001 - the name urllib3 itself would resolve
    try:
        infos = socket.getaddrinfo(host, conn.port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise _Refused(f"cannot resolve {host}") from exc
    addresses = [info[4][0] for info in infos]
    allow = _allow_private.get()
    if not addresses or not all(address_allowed(a, allow) for a in addresses):
        raise _Refused(f"{host} resolves to an address that is not allowed")
    last: OSError | None = None
    for address in addresses:
        try:
            return u3connection.create_connection(
                (address, conn.port), conn.timeout, socket_options=conn.socket_options
            )
        except OSError as exc:
            last = exc
    raise _Refused(f"cannot connect to {host}") from last


class _GuardedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _guarded_socket(self)


class _GuardedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _guarded_socket(self)


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _GuardedHTTPPool,
            "https": _GuardedHTTPSPool,
        }


@dataclass
class SafeResponse:
    """A fetched response, fully read (at most ``max_bytes``)."""

    status: int
    headers: CaseInsensitiveDict[str]
    content: bytes
    url: str
    encoding: str | None = None
    history: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The body decoded with the declared charset (UTF-8 otherwise)."""
        return self.content.decode(self.encoding or "utf-8", errors="replace")

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-case."""
        return self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()

    def json(self) -> Any:
        """The body parsed as JSON (raises ``ValueError`` if it is not)."""
        import json

        return json.loads(self.content)

    def links(self) -> list[dict[str, str]]:
        """The ``Link`` header entries, each with absolute ``url`` and ``rel``."""
        found = []
        for header in self.headers.get("Link", "").split("\n"):
            for link in parse_header_links(header) if header.strip() else []:
                if "url" in link:
                    link["url"] = urljoin(self.url, link["url"])
                    found.append(link)
        return found


def _allowed_default() -> bool:
    if has_app_context():
        return bool(current_app.config.get("FETCH_ALLOW_PRIVATE", False))
    return False


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("only absolute http(s) URLs can be fetched")
    if parts.username or parts.password:
        raise FetchError("URLs with credentials are not fetched")


def _read(resp: requests.Response, max_bytes: int, deadline: float) -> bytes:
    body = bytearray()
    for chunk in resp.iter_content(16384):
        body.extend(chunk)
        if len(body) > max_bytes:
            raise FetchError("response too large")
        if time.monotonic() > deadline:
            raise FetchError("response too slow")
    return bytes(body)


def fetch(
    url: str,
    *,
    method: str = "GET",
    data: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 5,
    max_bytes: int = 1_000_000,
    allow_redirects: int = 3,
    allow_private: bool | None = None,
) -> SafeResponse:
    """Fetch ``url`` safely; raise :class:`FetchError` if refused or failed.

    ``allow_private`` defaults to the app's ``FETCH_ALLOW_PRIVATE`` setting (off
    outside an application context).
    """
    allow = _allowed_default() if allow_private is None else allow_private
    token = _allow_private.set(allow)
    deadline = time.monotonic() + timeout * 2
    history: list[str] = []
    send_headers = {"User-Agent": USER_AGENT, **(headers or {})}
    try:
        with requests.Session() as session:
            session.trust_env = False  # environment proxies would bypass the address check
            adapter = _GuardedAdapter(max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            while True:
                _check_url(url)
                try:
                    with session.request(
                        method, url, data=data, headers=send_headers, timeout=(timeout, timeout),
                        allow_redirects=False, stream=True,
                    ) as resp:
                        location = resp.headers.get("Location")
                        if resp.status_code in _REDIRECTS and location:
                            history.append(url)
                            if len(history) > allow_redirects:
                                raise FetchError("too many redirects")
                            if resp.status_code == 303 or (
                                resp.status_code in (301, 302) and method != "HEAD"
                            ):
                                method, data = ("GET" if method != "HEAD" else method), None
                            url = urljoin(url, location)
                            continue
                        body = _read(resp, max_bytes, deadline)
                        return SafeResponse(
                            resp.status_code, resp.headers, body, url, resp.encoding, history
                        )
                except _Refused as exc:
                    log.info("fetch refused", extra={"host": urlsplit(url).hostname})
                    raise FetchError(str(exc)) from exc
                except requests.RequestException as exc:
                    raise FetchError(f"fetch failed: {type(exc).__name__}") from exc
    finally:
        _allow_private.reset(token)
