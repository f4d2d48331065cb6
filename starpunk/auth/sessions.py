"""Owner sessions: a random token in the ``starpunk_session`` cookie, only its hash stored.

The cookie is ``HttpOnly``, ``SameSite=Lax`` and ``Secure`` when ``SITE_URL`` is https.
Sessions slide: each use (at most once a minute) pushes ``expires_at`` to
``SESSION_LIFETIME_DAYS`` from now and renews the cookie. Signing in always starts a new
session (the old one, if any, is deleted) and clears Flask's signed session, so the CSRF
token is new too. The Flask session remembers which owner session it belongs to; a form
post whose Flask session is not bound to the owner session is not treated as the owner's.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, Response, current_app, g, request, session

from starpunk.database import get_db, transaction
from starpunk.notes.model import format_time, parse_time, utc_now

log = logging.getLogger(__name__)

COOKIE_NAME = "starpunk_session"
#: Key in Flask's signed session naming the owner session it is bound to.
BIND_KEY = "owner_sid"
#: A session is refreshed (last seen, expiry, cookie) at most this often.
REFRESH_SECONDS = 60
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_COLUMNS = "id, created_at, last_seen_at, expires_at, user_agent, ip"


@dataclass(frozen=True)
class OwnerSession:
    """One signed-in browser."""

    id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_agent: str
    ip: str


def hash_token(token: str) -> str:
    """The SHA-256 hex digest stored for a session token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _lifetime() -> timedelta:
    return timedelta(days=current_app.config["SESSION_LIFETIME_DAYS"])


def _from_row(row: sqlite3.Row) -> OwnerSession:
    return OwnerSession(
        id=row["id"],
        created_at=parse_time(row["created_at"]),
        last_seen_at=parse_time(row["last_seen_at"]),
        expires_at=parse_time(row["expires_at"]),
        user_agent=row["user_agent"],
        ip=row["ip"],
    )


def secure_cookies() -> bool:
    """Whether cookies get the ``Secure`` flag (the site is served over HTTPS)."""
    return current_app.config["SITE_URL"].startswith("https://")


def start_owner_session() -> OwnerSession:
    """Sign the owner in on this browser: new token, new row, fresh Flask session (and CSRF)."""
    conn = get_db()
    now = utc_now()
    token = secrets.token_urlsafe(32)
    old = request.cookies.get(COOKIE_NAME)
    with transaction(conn):
        conn.execute("DELETE FROM owner_sessions WHERE expires_at <= ?", (format_time(now),))
        if old:
            conn.execute("DELETE FROM owner_sessions WHERE token_hash = ?", (hash_token(old),))
        cursor = conn.execute(
            "INSERT INTO owner_sessions"
            " (token_hash, created_at, last_seen_at, expires_at, user_agent, ip)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                hash_token(token),
                format_time(now),
                format_time(now),
                format_time(now + _lifetime()),
                (request.user_agent.string or "")[:300],
                request.remote_addr or "",
            ),
        )
    session.clear()
    g.pop("csrf_token", None)
    session[BIND_KEY] = cursor.lastrowid
    g.owner_session = _get(conn, cursor.lastrowid)
    g.owner_cookie = token
    return g.owner_session


def _get(conn: sqlite3.Connection, session_id: int | None) -> OwnerSession | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM owner_sessions WHERE id = ?", (session_id,)
    ).fetchone()
    return _from_row(row) if row else None


def _load() -> OwnerSession | None:
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        return None
    conn = get_db()
    now = utc_now()
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM owner_sessions WHERE token_hash = ? AND expires_at > ?",
        (hash_token(token), format_time(now)),
    ).fetchone()
    if row is None:
        g.owner_cookie = ""  # unknown or expired: drop the cookie
        return None
    current = _from_row(row)
    if session.get(BIND_KEY) != current.id:
        if request.method not in SAFE_METHODS:
            log.warning("owner session refused: form session not bound to it")
            return None
        session.clear()  # a new CSRF token, bound to this owner session
        session[BIND_KEY] = current.id
    if (now - current.last_seen_at).total_seconds() >= REFRESH_SECONDS:
        expires = now + _lifetime()
        conn.execute(
            "UPDATE owner_sessions SET last_seen_at = ?, expires_at = ?, ip = ? WHERE id = ?",
            (format_time(now), format_time(expires), request.remote_addr or "", current.id),
        )
        current = _get(conn, current.id) or current
        g.owner_cookie = token
    return current


def current_session() -> OwnerSession | None:
    """The owner session of this request (looked up once per request), or None."""
    if "owner_session" not in g:
        g.owner_session = _load()
    return g.owner_session


def end_session(conn: sqlite3.Connection, session_id: int) -> bool:
    """Delete one session server-side; False when it did not exist."""
    return conn.execute("DELETE FROM owner_sessions WHERE id = ?", (session_id,)).rowcount > 0


def end_all_sessions(conn: sqlite3.Connection) -> int:
    """Delete every owner session (after a password change); returns how many there were."""
    return conn.execute("DELETE FROM owner_sessions").rowcount


def end_current_session() -> None:
    """Sign this browser out: delete its row, clear the cookie and the Flask session."""
    token = request.cookies.get(COOKIE_NAME)
    if token:
        get_db().execute("DELETE FROM owner_sessions WHERE token_hash = ?", (hash_token(token),))
    session.clear()
    g.owner_session = None
    g.owner_cookie = ""


def active_sessions(conn: sqlite3.Connection) -> list[OwnerSession]:
    """Sessions that have not expired, most recently used first."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM owner_sessions WHERE expires_at > ?"
        " ORDER BY last_seen_at DESC, id DESC",
        (format_time(utc_now()),),
    ).fetchall()
    return [_from_row(row) for row in rows]


def _write_cookie(response: Response) -> Response:
    token = g.pop("owner_cookie", None)
    if token is None:
        return response
    if token == "":
        response.delete_cookie(
            COOKIE_NAME, path="/", secure=secure_cookies(), httponly=True, samesite="Lax"
        )
    else:
        response.set_cookie(
            COOKIE_NAME,
            token,
            max_age=int(_lifetime().total_seconds()),
            path="/",
            secure=secure_cookies(),
            httponly=True,
            samesite="Lax",
        )
    response.headers.add("Vary", "Cookie")
    return response


def init_app(app: Flask) -> None:
    """Write the session cookie changes of each response; harden Flask's own cookie."""
    secure = app.config["SITE_URL"].startswith("https://")
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
    )
    app.after_request(_write_cookie)
