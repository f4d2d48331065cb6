"""The owner's password: scrypt hashes that carry their own parameters, and their row.

A stored hash reads ``scrypt$n=32768,r=8,p=1$<salt b64>$<key b64>``, so the cost can be
raised later without breaking existing hashes. Verification recomputes the key with
the stored parameters and compares in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import sqlite3

from starpunk.notes.model import format_time, utc_now

MIN_LENGTH = 10
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
KEY_LENGTH = 32
_MAXMEM = 128 * 1024 * 1024


class PasswordTooWeak(ValueError):
    """The proposed password is empty or shorter than :data:`MIN_LENGTH`."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=length
    )


def check_strength(password: str) -> None:
    """Raise :class:`PasswordTooWeak` unless ``password`` is long enough."""
    if not password or not password.strip():
        raise PasswordTooWeak("The password must not be empty.")
    if len(password) < MIN_LENGTH:
        raise PasswordTooWeak(f"The password must be at least {MIN_LENGTH} characters long.")


def hash_password(password: str) -> str:
    """A new salted scrypt hash of ``password`` with its parameters."""
    salt = secrets.token_bytes(16)
    key = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, KEY_LENGTH)
    return f"scrypt$n={SCRYPT_N},r={SCRYPT_R},p={SCRYPT_P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored`` (constant-time; malformed hashes never match)."""
    try:
        algorithm, params, salt_text, key_text = stored.split("$")
        values = dict(item.split("=", 1) for item in params.split(","))
        n, r, p = int(values["n"]), int(values["r"]), int(values["p"])
        salt, key = _unb64(salt_text), _unb64(key_text)
    except (ValueError, KeyError):
        return False
    if algorithm != "scrypt" or not key:
        return False
    try:
        candidate = _scrypt(password, salt, n, r, p, len(key))
    except ValueError:  # parameters hashlib refuses (a damaged row)
        return False
    return hmac.compare_digest(candidate, key)


def stored_hash(conn: sqlite3.Connection) -> str | None:
    """The owner's password hash, or None when no password has been set."""
    row = conn.execute("SELECT password_hash FROM owner_password WHERE id = 1").fetchone()
    return row[0] if row else None


def set_password(conn: sqlite3.Connection, password: str) -> None:
    """Check and store a new owner password (replacing any earlier one)."""
    check_strength(password)
    conn.execute(
        "INSERT INTO owner_password (id, password_hash, updated_at) VALUES (1, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET password_hash = excluded.password_hash,"
        " updated_at = excluded.updated_at",
        (hash_password(password), format_time(utc_now())),
    )
