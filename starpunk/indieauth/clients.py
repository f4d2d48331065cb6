"""Client identifiers and redirect URLs: validation and the client's published information.

A ``client_id`` is a URL (IndieAuth §3.2). Its ``redirect_uri`` must share its scheme,
host and port, or be listed by the client: in a JSON client metadata document
(``redirect_uris``), or in its HTML/HTTP headers as ``rel=redirect_uri``. The client's
name, logo and home page come from the metadata document or an ``h-app``. Everything is
fetched through :mod:`starpunk.safe_http`.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

import mf2py

from starpunk.indieauth.tokens import origin
from starpunk.safe_http import FetchError, fetch

log = logging.getLogger(__name__)

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


class ClientError(Exception):
    """The client_id or redirect_uri is not acceptable (shown on an error page)."""


@dataclass
class ClientInfo:
    """What the client says about itself (or just its URL if it says nothing)."""

    client_id: str
    name: str | None = None
    logo: str | None = None
    url: str | None = None
    redirect_uris: list[str] = field(default_factory=list)
    fetched: bool = False

    @property
    def display_name(self) -> str:
        """The name to show: the published one, else the client's host."""
        return self.name or (urlsplit(self.client_id).hostname or self.client_id)


def is_loopback(url: str) -> bool:
    """Whether ``url`` points at the user's own machine (localhost, 127.0.0.1, [::1])."""
    return (urlsplit(url).hostname or "").lower() in LOOPBACK_HOSTS


def _split(url: str | None, name: str) -> SplitResult:
    """``url`` split into parts; :class:`ClientError` naming ``name`` if missing or malformed."""
    if not url:
        raise ClientError(f"{name} is missing.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise ClientError(f"{name} is not a valid URL.") from exc
    return parts


def validate_client_id(client_id: str | None) -> str:
    """The canonical ``client_id`` (empty path becomes ``/``), or :class:`ClientError`.

    https everywhere; http only for loopback clients; a path without ``.``/``..``
    segments; no fragment, user or password; a domain name, not an IP address (except
    127.0.0.1 and [::1]).
    """
    parts = _split(client_id, "client_id")
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise ClientError("client_id must be an https URL.")
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        raise ClientError("client_id must use https (http is allowed only for localhost).")
    if parts.fragment or parts.username or parts.password:
        raise ClientError("client_id must not contain a fragment, user name or password.")
    segments = parts.path.split("/")
    if "." in segments or ".." in segments:
        raise ClientError("client_id must not contain . or .. path segments.")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None and not ip.is_loopback:
        raise ClientError("client_id must use a domain name, not an IP address.")
    netloc = (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


def validate_redirect_uri(redirect_uri: str | None) -> str:
    """A syntactically acceptable redirect URL (absolute http(s), no fragment), else error."""
    parts = _split(redirect_uri, "redirect_uri")
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.fragment:
        raise ClientError("redirect_uri must be an absolute http(s) URL without a fragment.")
    return redirect_uri


def _from_json(info: ClientInfo, doc: Any, base: str) -> None:
    if not isinstance(doc, dict) or doc.get("client_id") != info.client_id:
        return
    name, logo, uri = doc.get("client_name"), doc.get("logo_uri"), doc.get("client_uri")
    info.name = name if isinstance(name, str) else None
    info.logo = urljoin(base, logo) if isinstance(logo, str) else None
    info.url = urljoin(base, uri) if isinstance(uri, str) else None
    uris = doc.get("redirect_uris")
    if isinstance(uris, list):
        info.redirect_uris += [urljoin(base, u) for u in uris if isinstance(u, str)]


def _from_html(info: ClientInfo, html: str, base: str) -> None:
    parsed = mf2py.parse(doc=html, url=base)
    info.redirect_uris += parsed.get("rels", {}).get("redirect_uri", [])
    for item in parsed.get("items", []):
        if {"h-app", "h-x-app"} & set(item.get("type", [])):
            props = item.get("properties", {})
            names, logos, urls = props.get("name"), props.get("logo"), props.get("url")
            info.name = names[0] if names and isinstance(names[0], str) else info.name
            if logos:
                logo = logos[0]
                info.logo = logo.get("value") if isinstance(logo, dict) else logo
            info.url = urls[0] if urls and isinstance(urls[0], str) else info.url
            break


def fetch_client_info(client_id: str) -> ClientInfo:
    """Fetch what the client publishes about itself.

    Raises :class:`ClientError` when a non-loopback client cannot be fetched (an
    unknown client); a loopback client that cannot be fetched is shown by its URL.
    """
    info = ClientInfo(client_id)
    try:
        resp = fetch(client_id, headers={"Accept": "application/json, text/html;q=0.9"})
    except FetchError as exc:
        log.info("client fetch failed", extra={"client_host": urlsplit(client_id).hostname})
        if is_loopback(client_id):
            return info
        raise ClientError("The application's page could not be fetched.") from exc
    if not 200 <= resp.status < 300:
        if is_loopback(client_id):
            return info
        raise ClientError(f"The application's page answered HTTP {resp.status}.")
    info.fetched = True
    info.redirect_uris += [
        link["url"] for link in resp.links() if "redirect_uri" in link.get("rel", "").split()
    ]
    if resp.content_type in ("application/json",) or resp.content_type.endswith("+json"):
        try:
            _from_json(info, resp.json(), resp.url)
        except ValueError:
            log.info("client metadata is not JSON")
    elif resp.content_type in ("text/html", "application/xhtml+xml"):
        _from_html(info, resp.text, resp.url)
    return info


def check_redirect(client: ClientInfo, redirect_uri: str) -> None:
    """Accept ``redirect_uri`` if it shares the client's origin or the client lists it."""
    if origin(redirect_uri) == origin(client.client_id):
        return
    if redirect_uri in client.redirect_uris:
        return
    raise ClientError(
        "redirect_uri is not on the application's host and the application does not list it."
    )
