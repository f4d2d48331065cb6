"""External identity mode: sign the owner in through ``ADMIN_ME``'s IndieAuth server.

The site acts as an IndieAuth *client* (client_id = ``SITE_URL``): it discovers the
server from ``ADMIN_ME`` (HTTP ``Link`` header first, then HTML; the
``indieauth-metadata`` document, else the older ``authorization_endpoint``/
``token_endpoint`` rels) or from ``INDIELOGIN_URL``, sends the owner there with PKCE S256
and a single-use ``state`` kept in the signed session, checks ``iss`` and that the
returned ``me`` is on ``ADMIN_ME``'s host, then opens a normal owner session.
Bearer tokens for Micropub are verified at the discovered token endpoint (or
introspection endpoint), cached per process for a minute and refused when the
provider cannot be reached (fail closed).
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import mf2py
from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from starpunk.auth import safe_next
from starpunk.errors import BadRequest
from starpunk.http import absolute_url
from starpunk.indieauth.authorize import s256, with_query
from starpunk.indieauth.tokens import TokenInfo, hash_secret, origin
from starpunk.safe_http import FetchError, SafeResponse, fetch

log = logging.getLogger(__name__)

bp = Blueprint("indielogin", __name__)

SESSION_KEY = "indieauth_login"
LOGIN_MAX_AGE = 600
DISCOVERY_TTL = 300.0
TOKEN_CACHE_TTL = 60.0
TOKEN_CACHE_MAX = 1000


class DiscoveryError(Exception):
    """No usable IndieAuth server was found."""


@dataclass(frozen=True)
class Provider:
    """The endpoints of an IndieAuth server."""

    issuer: str | None
    authorization_endpoint: str
    token_endpoint: str | None
    introspection_endpoint: str | None = None


class _TtlCache:
    """A small thread-safe cache whose entries expire ``ttl`` seconds after they are stored.

    When full it is emptied at once: entries are cheap to fetch again and short-lived anyway.
    """

    def __init__(self, ttl: float, max_entries: int = TOKEN_CACHE_MAX) -> None:
        self._ttl, self._max = ttl, max_entries
        self._entries: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def lookup(self, key: str) -> tuple[bool, Any]:
        """``(True, value)`` for a fresh entry (the value may be None), else ``(False, None)``."""
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or entry[0] <= time.monotonic():
            return False, None
        return True, entry[1]

    def store(self, key: str, value: Any) -> None:
        """Keep ``value`` for ``ttl`` seconds."""
        with self._lock:
            if len(self._entries) >= self._max:
                self._entries.clear()
            self._entries[key] = (time.monotonic() + self._ttl, value)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()


_discovery_cache = _TtlCache(DISCOVERY_TTL)
_token_cache = _TtlCache(TOKEN_CACHE_TTL)


def _rels(resp: SafeResponse) -> dict[str, str]:
    """First URL per rel: the Link header wins over the HTML."""
    found: dict[str, str] = {}
    for link in resp.links():
        for rel in link.get("rel", "").split():
            found.setdefault(rel, link["url"])
    if resp.content_type in ("text/html", "application/xhtml+xml"):
        parsed = mf2py.parse(doc=resp.text, url=resp.url, metaformats=False)
        for rel, urls in parsed.get("rels", {}).items():
            if urls:
                found.setdefault(rel, urls[0])
    return found


def _from_metadata(url: str) -> Provider:
    try:
        resp = fetch(url, headers={"Accept": "application/json"})
        doc = resp.json() if resp.status == 200 else None
    except (FetchError, ValueError) as exc:
        raise DiscoveryError("the metadata document could not be read") from exc
    if not isinstance(doc, dict):
        raise DiscoveryError("the metadata document is not a JSON object")
    issuer, auth = doc.get("issuer"), doc.get("authorization_endpoint")
    if not isinstance(issuer, str) or not isinstance(auth, str):
        raise DiscoveryError("the metadata lacks issuer or authorization_endpoint")
    token, intro = doc.get("token_endpoint"), doc.get("introspection_endpoint")
    return Provider(
        issuer, auth, token if isinstance(token, str) else None,
        intro if isinstance(intro, str) else None,
    )


def discover(url: str) -> Provider:
    """The IndieAuth server advertised by ``url`` (cached per process for five minutes)."""
    found, provider = _discovery_cache.lookup(url)
    if found:
        return provider
    try:
        resp = fetch(url, headers={"Accept": "text/html"})
    except FetchError as exc:
        raise DiscoveryError(f"{url} could not be fetched") from exc
    rels = _rels(resp) if resp.status == 200 else {}
    if "indieauth-metadata" in rels:
        provider = _from_metadata(rels["indieauth-metadata"])
    elif "authorization_endpoint" in rels:
        provider = Provider(None, rels["authorization_endpoint"], rels.get("token_endpoint"))
    else:
        parts = urlsplit(url)
        well_known = f"{parts.scheme}://{parts.netloc}/.well-known/oauth-authorization-server"
        provider = _from_metadata(well_known)
    _discovery_cache.store(url, provider)
    return provider


def login_provider() -> Provider:
    """The server the owner signs in with: ``INDIELOGIN_URL`` if set, else ``ADMIN_ME``'s."""
    cfg = current_app.config
    return discover(cfg["INDIELOGIN_URL"] or cfg["ADMIN_ME"])


def same_host(me: str, admin_me: str) -> bool:
    """Whether ``me`` is on the same scheme, host and port as ``admin_me``."""
    return origin(me) == origin(admin_me)


@bp.get("/auth/indieauth/start")
def start_page() -> Any:
    """A page with the "Sign in with your domain" button (the login page may link here)."""
    return render_template(
        "indieauth/external_login.html", me=current_app.config["ADMIN_ME"],
        next=safe_next(request.args.get("next")) or "",
    )


@bp.post("/auth/indieauth/start")
def start() -> Any:
    """Discover the owner's server and send the browser there (PKCE S256 + state)."""
    try:
        provider = login_provider()
    except DiscoveryError as exc:
        log.warning("indieauth discovery failed", extra={"reason": str(exc)})
        return render_template("indieauth/login_error.html", message=str(exc)), 502
    state, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    session[SESSION_KEY] = {
        "state": state,
        "verifier": verifier,
        "issuer": provider.issuer,
        "authorization_endpoint": provider.authorization_endpoint,
        "next": safe_next(request.form.get("next")),
        "started": int(time.time()),
    }
    params = {
        "response_type": "code",
        "client_id": current_app.config["SITE_URL"],
        "redirect_uri": absolute_url("indielogin.callback"),
        "state": state,
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
        "me": current_app.config["ADMIN_ME"],
    }
    return redirect(with_query(provider.authorization_endpoint, **params), code=303)


def _fail(message: str) -> tuple[str, int]:
    log.info("external login refused", extra={"reason": message})
    return render_template("indieauth/login_error.html", message=message), 400


def _redeem(pending: dict[str, Any], code: str) -> dict[str, Any]:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": current_app.config["SITE_URL"],
        "redirect_uri": absolute_url("indielogin.callback"),
        "code_verifier": pending["verifier"],
    }
    try:
        resp = fetch(
            pending["authorization_endpoint"], method="POST", data=data,
            headers={"Accept": "application/json"}, allow_redirects=0,
        )
        body = resp.json()
    except (FetchError, ValueError) as exc:
        raise BadRequest("Your identity server could not confirm the sign-in.") from exc
    if resp.status != 200 or not isinstance(body, dict) or not isinstance(body.get("me"), str):
        raise BadRequest("Your identity server refused the sign-in.")
    return body


def _me_allowed(me: str, pending: dict[str, Any]) -> bool:
    cfg = current_app.config
    if not same_host(me, cfg["ADMIN_ME"]):
        return False
    if cfg["INDIELOGIN_URL"] or me.rstrip("/") == cfg["ADMIN_ME"].rstrip("/"):
        return True
    try:  # another URL on the same host must name the same server (IndieAuth §5.3.3)
        return discover(me).authorization_endpoint == pending["authorization_endpoint"]
    except DiscoveryError:
        return False


@bp.get("/auth/callback")
def callback() -> Any:
    """Finish the sign-in: state, iss, code redemption, ``me`` check, owner session."""
    pending = session.pop(SESSION_KEY, None)
    if not isinstance(pending, dict) or time.time() - pending.get("started", 0) > LOGIN_MAX_AGE:
        return _fail("This sign-in has expired or was already used; please start again.")
    state = request.args.get("state", "")
    if not hmac.compare_digest(state.encode(), pending["state"].encode()):
        return _fail("The sign-in response does not belong to this browser (state mismatch).")
    if pending["issuer"] and request.args.get("iss") != pending["issuer"]:
        return _fail("The sign-in response came from an unexpected server (iss mismatch).")
    if request.args.get("error"):
        return _fail("Your identity server did not approve the sign-in.")
    code = request.args.get("code")
    if not code:
        return _fail("The sign-in response carries no code.")
    me = _redeem(pending, code)["me"]
    if not _me_allowed(me, pending):
        return _fail("That identity is not this site's owner.")
    from starpunk.auth.sessions import start_owner_session

    start_owner_session()
    log.info("owner signed in with indieauth")
    return redirect(pending.get("next") or url_for("admin.dashboard"), code=303)


def _remote_check(raw: str, provider: Provider) -> TokenInfo | None:
    """Ask the provider about ``raw``; FetchError/ValueError when it cannot answer."""
    auth = {"Authorization": f"Bearer {raw}", "Accept": "application/json"}
    if provider.token_endpoint:
        resp = fetch(provider.token_endpoint, headers=auth, allow_redirects=0)
        if resp.status in (400, 401, 403, 404):
            return None
        if resp.status != 200:
            raise FetchError(f"token endpoint answered {resp.status}")
        body = resp.json()
    elif provider.introspection_endpoint:
        resp = fetch(
            provider.introspection_endpoint, method="POST", data={"token": raw}, headers=auth,
            allow_redirects=0,
        )
        if resp.status in (400, 401, 403):
            return None
        if resp.status != 200:
            raise FetchError(f"introspection endpoint answered {resp.status}")
        body = resp.json()
        if not isinstance(body, dict) or body.get("active") is not True:
            return None
    else:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("me"), str):
        return None
    if not same_host(body["me"], current_app.config["ADMIN_ME"]):
        return None
    scopes = frozenset(str(body.get("scope", "")).split())
    return TokenInfo(body["me"], str(body.get("client_id", "")), scopes, None)


def verify_remote_token(raw: str) -> TokenInfo | None:
    """Verify a bearer token with ``ADMIN_ME``'s server (cached a minute; None when down)."""
    key = hash_secret(raw)
    found, cached = _token_cache.lookup(key)
    if found:
        return cached
    try:
        info = _remote_check(raw, discover(current_app.config["ADMIN_ME"]))
    except (DiscoveryError, FetchError, ValueError):
        log.warning("token provider unreachable: refusing the token")
        return None
    _token_cache.store(key, info)
    return info


def clear_caches() -> None:
    """Forget discovered servers and verified tokens (tests, settings changes)."""
    _discovery_cache.clear()
    _token_cache.clear()

