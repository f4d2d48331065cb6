"""Grants, access and refresh tokens: created, checked, rotated, revoked — stored only as hashes.

A *grant* is one authorization (a client approved on the consent page, or a token made
with ``starpunk token create``). Its access and refresh tokens hang off it; revoking the
grant kills them all at once. Refresh tokens rotate: each is single use, and presenting
one that was already used revokes the whole grant (reuse detection).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app

from starpunk.database import transaction

log = logging.getLogger(__name__)

SCOPES = ("create", "update", "delete", "undelete", "media", "draft", "profile", "email")
#: Scopes that only identify the owner; a request with no others is authentication only.
IDENTITY_SCOPES = frozenset({"profile", "email"})


@dataclass(frozen=True)
class TokenInfo:
    """Who a bearer token speaks for and what it may do."""

    me: str
    client_id: str
    scopes: frozenset[str]
    token_id: int | None


@dataclass(frozen=True)
class IssuedTokens:
    """A freshly issued access token (and refresh token) for a grant."""

    grant_id: int
    access_token: str
    refresh_token: str | None
    expires_in: int | None


def utcnow() -> datetime:
    """The current UTC time, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    """The stored text form of a UTC time."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    """A stored time back as an aware datetime."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def hash_secret(raw: str) -> str:
    """The SHA-256 hex digest under which a code or token is stored."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def new_secret() -> str:
    """A random, URL-safe code or token (256 bits)."""
    return secrets.token_urlsafe(32)


def normalise_scope(scope: str | None) -> str:
    """Known scopes from a space-separated list, de-duplicated, in a stable order."""
    wanted = set((scope or "").split())
    return " ".join(s for s in SCOPES if s in wanted)


def origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and effective port of ``url`` (for same-origin comparisons)."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


def external_mode(config: Any = None) -> bool:
    """Whether ``ADMIN_ME`` lives on another origin than ``SITE_URL`` (external identity)."""
    cfg = config if config is not None else current_app.config
    return origin(cfg["ADMIN_ME"]) != origin(cfg["SITE_URL"])


def create_grant(
    conn: sqlite3.Connection,
    *,
    client_id: str,
    scope: str,
    me: str,
    source: str,
    client_name: str | None = None,
) -> int:
    """Record a new grant and return its id (call inside a transaction)."""
    cur = conn.execute(
        "INSERT INTO indieauth_grants (client_id, client_name, scope, me, source, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (client_id, client_name, scope, me, source, iso(utcnow())),
    )
    return int(cur.lastrowid or 0)


def _insert_token(
    conn: sqlite3.Connection, grant_id: int, kind: str, lifetime: int | None
) -> str:
    raw = new_secret()
    now = utcnow()
    expires = iso(now + timedelta(seconds=lifetime)) if lifetime else None
    conn.execute(
        "INSERT INTO indieauth_tokens (grant_id, kind, token_hash, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (grant_id, kind, hash_secret(raw), iso(now), expires),
    )
    return raw


def issue_tokens(
    conn: sqlite3.Connection,
    grant_id: int,
    *,
    access_lifetime: int | None,
    refresh_lifetime: int | None,
    with_refresh: bool = True,
) -> IssuedTokens:
    """A new access token (and refresh token) for ``grant_id`` (call inside a transaction)."""
    access = _insert_token(conn, grant_id, "access", access_lifetime)
    refresh = _insert_token(conn, grant_id, "refresh", refresh_lifetime) if with_refresh else None
    return IssuedTokens(grant_id, access, refresh, access_lifetime)


def create_token(
    conn: sqlite3.Connection, *, scope: str, client_id: str, me: str
) -> tuple[int, str]:
    """A long-lived access token for pasting into a client (``starpunk token create``).

    Returns ``(grant_id, raw_token)``; the token never expires until revoked.
    """
    with transaction(conn):
        grant_id = create_grant(conn, client_id=client_id, scope=scope, me=me, source="cli")
        issued = issue_tokens(
            conn, grant_id, access_lifetime=None, refresh_lifetime=None, with_refresh=False
        )
    log.info("token created", extra={"grant_id": grant_id, "scope": scope})
    return grant_id, issued.access_token


def _active_row(conn: sqlite3.Connection, raw: str, kind: str) -> sqlite3.Row | None:
    row = conn.execute(
        "SELECT t.id, t.token_hash, t.grant_id, t.created_at, t.expires_at, t.used_at,"
        " t.revoked_at, g.client_id, g.scope, g.me, g.revoked_at AS grant_revoked_at"
        " FROM indieauth_tokens t JOIN indieauth_grants g ON g.id = t.grant_id"
        " WHERE t.token_hash = ? AND t.kind = ?",
        (hash_secret(raw), kind),
    ).fetchone()
    if row is None or not hmac.compare_digest(row["token_hash"], hash_secret(raw)):
        return None
    return row


def _is_live(row: sqlite3.Row) -> bool:
    if row["revoked_at"] or row["grant_revoked_at"]:
        return False
    return row["expires_at"] is None or parse_iso(row["expires_at"]) > utcnow()


def lookup_access(conn: sqlite3.Connection, raw: str, *, touch: bool = True) -> sqlite3.Row | None:
    """The live access-token row for ``raw`` (with its grant's fields), else None."""
    if not raw:
        return None
    row = _active_row(conn, raw, "access")
    if row is None or not _is_live(row):
        return None
    if touch:
        now = iso(utcnow())
        with transaction(conn):
            conn.execute(
                "UPDATE indieauth_tokens SET last_used_at = ? WHERE id = ?", (now, row["id"])
            )
            conn.execute(
                "UPDATE indieauth_grants SET last_used_at = ? WHERE id = ?", (now, row["grant_id"])
            )
    return row


def token_info(row: sqlite3.Row) -> TokenInfo:
    """The :class:`TokenInfo` for a live access-token row."""
    return TokenInfo(row["me"], row["client_id"], frozenset(row["scope"].split()), row["id"])


def authenticate_bearer(raw: str) -> TokenInfo | None:
    """Who the bearer token ``raw`` speaks for, or None if it is not valid (now).

    Self-hosted mode checks the hashed token in the database; external mode asks the
    token endpoint discovered from ``ADMIN_ME`` (cached briefly, failing closed).
    """
    if not raw:
        return None
    if external_mode():
        from starpunk.indieauth.external import verify_remote_token

        return verify_remote_token(raw)
    from starpunk.database import get_db

    row = lookup_access(get_db(), raw)
    return token_info(row) if row is not None else None


class RefreshError(Exception):
    """A refresh token that cannot be redeemed (unknown, expired, revoked or reused)."""


def rotate_refresh(
    conn: sqlite3.Connection,
    raw: str,
    client_id: str,
    *,
    access_lifetime: int,
    refresh_lifetime: int,
    scope: str | None = None,
) -> tuple[IssuedTokens, sqlite3.Row]:
    """Redeem a refresh token once: a new pair in the same grant. Reuse revokes the grant.

    ``scope`` may narrow the grant (never widen it). Raises :class:`RefreshError`.
    """
    with transaction(conn):
        row = _active_row(conn, raw, "refresh")
        failure = _refresh_problem(conn, row, client_id, scope)
        if failure is None:
            assert row is not None
            now = iso(utcnow())
            if scope is not None:
                conn.execute(
                    "UPDATE indieauth_grants SET scope = ? WHERE id = ?",
                    (normalise_scope(scope), row["grant_id"]),
                )
            conn.execute("UPDATE indieauth_tokens SET used_at = ? WHERE id = ?", (now, row["id"]))
            conn.execute(
                "UPDATE indieauth_tokens SET revoked_at = ? WHERE grant_id = ?"
                " AND kind = 'access' AND revoked_at IS NULL",
                (now, row["grant_id"]),
            )
            issued = issue_tokens(
                conn, row["grant_id"], access_lifetime=access_lifetime,
                refresh_lifetime=refresh_lifetime,
            )
            grant = conn.execute(
                "SELECT * FROM indieauth_grants WHERE id = ?", (row["grant_id"],)
            ).fetchone()
    if failure is not None:  # raised after COMMIT so a reuse revocation sticks
        raise RefreshError(failure)
    return issued, grant


def _refresh_problem(
    conn: sqlite3.Connection, row: sqlite3.Row | None, client_id: str, scope: str | None
) -> str | None:
    """Why ``row`` cannot be redeemed (revoking the grant on reuse), or None."""
    if row is None:
        return "unknown refresh token"
    if row["used_at"] and not row["revoked_at"] and not row["grant_revoked_at"]:
        revoke_grant_tx(conn, row["grant_id"])
        log.warning("refresh token reused: grant revoked", extra={"grant_id": row["grant_id"]})
        return "refresh token already used"
    if row["client_id"] != client_id:
        return "refresh token was issued to another client"
    if row["used_at"] or not _is_live(row):
        return "refresh token expired or revoked"
    if scope is not None and not set(normalise_scope(scope).split()) <= set(row["scope"].split()):
        return "scope exceeds the original grant"
    return None


def revoke_grant_tx(conn: sqlite3.Connection, grant_id: int) -> bool:
    """Revoke a grant and its tokens inside the caller's transaction."""
    now = iso(utcnow())
    cur = conn.execute(
        "UPDATE indieauth_grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
        (now, grant_id),
    )
    conn.execute(
        "UPDATE indieauth_tokens SET revoked_at = ? WHERE grant_id = ? AND revoked_at IS NULL",
        (now, grant_id),
    )
    return cur.rowcount > 0


def revoke_grant(conn: sqlite3.Connection, grant_id: int) -> bool:
    """Revoke a grant and every token in it; False if there was no live grant with that id."""
    with transaction(conn):
        done = revoke_grant_tx(conn, grant_id)
    if done:
        log.info("grant revoked", extra={"grant_id": grant_id})
    return done


def revoke_token(conn: sqlite3.Connection, raw: str) -> None:
    """Revoke the grant of an access or refresh token (unknown tokens are ignored, RFC 7009)."""
    if not raw:
        return
    row = conn.execute(
        "SELECT grant_id FROM indieauth_tokens WHERE token_hash = ?", (hash_secret(raw),)
    ).fetchone()
    if row is not None:
        revoke_grant(conn, row["grant_id"])


def list_grants(conn: sqlite3.Connection, *, include_revoked: bool = False) -> list[sqlite3.Row]:
    """Grants, newest first, with the expiry of their latest access token."""
    where = "" if include_revoked else "WHERE g.revoked_at IS NULL"
    return conn.execute(
        "SELECT g.*, (SELECT MAX(COALESCE(t.expires_at, '9999')) FROM indieauth_tokens t"
        "  WHERE t.grant_id = g.id AND t.revoked_at IS NULL AND t.used_at IS NULL) AS expires_at"
        f" FROM indieauth_grants g {where} ORDER BY g.id DESC"
    ).fetchall()


def introspect(conn: sqlite3.Connection, raw: str) -> dict[str, Any]:
    """The RFC 7662 answer for an access token: ``{"active": false}`` unless it is live."""
    row = lookup_access(conn, raw, touch=False) if raw else None
    if row is None:
        return {"active": False}
    answer: dict[str, Any] = {
        "active": True,
        "me": row["me"],
        "client_id": row["client_id"],
        "scope": row["scope"],
        "token_type": "Bearer",
        "iat": int(parse_iso(row["created_at"]).timestamp()),
    }
    if row["expires_at"]:
        answer["exp"] = int(parse_iso(row["expires_at"]).timestamp())
    return answer
